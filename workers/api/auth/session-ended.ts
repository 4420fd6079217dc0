// Everything that must happen the moment a session ends (logout, a reused
// refresh token; later a password change or account deletion): its access
// tokens refused by the user's gate, which every signed-in request asks
// instead of the database, and its open sockets closed (4003).
import { refuseSession } from "../../lib/auth/user-gate-client";
import { closeSessionSockets } from "../../realtime/end-session";

/** Throws when the gate cannot be told: the caller answers an error, and the client retries the logout. */
export async function sessionEnded(env: Env, userId: string, sessionId: string): Promise<void> {
	await refuseSession(env, userId, sessionId);
	await closeSessionSockets(env, userId, sessionId);
}
