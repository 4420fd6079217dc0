// Changing the password of a signed-in account: the current one first (throttled like a sign-in,
// so a stolen access token cannot be used to guess it), then every other session of the account
// ends at once (its access tokens refused, its sockets closed, its refresh tokens dead), and the
// caller's own session goes on with a fresh access token.
import { and, eq, isNull, ne } from "drizzle-orm";
import { mapLimit } from "../../lib/async/map-limit";
import { signAccessToken } from "../../lib/auth/access-token";
import { hashPassword } from "../../lib/auth/password-hash";
import { refuseTokensIssuedBefore } from "../../lib/auth/user-gate-client";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { sessions, users } from "../../lib/postgres/schema";
import { mailLaterOrLog } from "../../mail/mail-jobs";
import { closeSessionSockets } from "../../realtime/end-session";
import { checkCurrentPassword } from "./current-password";
import { spendAllLinks } from "./email-tokens";

export async function changePassword(
	db: RoutedDatabase,
	env: Env,
	caller: { userId: string; sessionId: string },
	passwords: { current: string; next: string },
): Promise<{ accessToken: string; tokenType: "Bearer"; expiresIn: number; endedSessions: number }> {
	const user = await checkCurrentPassword(db, env, caller.userId, passwords.current);
	const hash = await hashPassword(passwords.next);
	// The gate first: every access token out now is refused (a refresh of this session gets a
	// current one); if the write below fails, that costs the account a refresh, nothing more.
	await refuseTokensIssuedBefore(env, caller.userId);
	const ended = await db.write((q) =>
		q.transaction(async (tx) => {
			await tx.update(users).set({ passwordHash: hash }).where(eq(users.id, caller.userId));
			// Links out (a pending move, a reset) were asked for under the old password: they end.
			await spendAllLinks(tx, caller.userId);
			return tx
				.update(sessions)
				.set({ revokedAt: new Date(), revokedReason: "password_changed" })
				.where(and(eq(sessions.userId, caller.userId), ne(sessions.id, caller.sessionId), isNull(sessions.revokedAt)))
				.returning({ id: sessions.id });
		}),
	);
	// Their sockets close now; their access tokens are already refused by the gate above, and their
	// refresh tokens die with the sessions.
	await mapLimit(ended, 4, (s) => closeSessionSockets(env, caller.userId, s.id));
	await mailLaterOrLog(env, { kind: "password_changed", userId: caller.userId, how: "changed" });
	const access = await signAccessToken(env, {
		sub: caller.userId,
		role: user.role,
		sid: caller.sessionId,
		lsn: await db.consistencyToken(),
	});
	return { accessToken: access.token, tokenType: "Bearer", expiresIn: access.expiresIn, endedSessions: ended.length };
}
