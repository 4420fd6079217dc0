import { logger } from "../lib/observability/logger";
import { ringFor } from "./ring-config";
import { shardName } from "./shard-ring";

/**
 * Closes every socket of one session at once, on the shard that holds its
 * user: called when the session ends (logout, a reused refresh token). A shard
 * that cannot be reached is logged: the session is already refused by every
 * other request, and its sockets close at their token's expiry at the latest.
 */
export async function closeSessionSockets(env: Env, userId: string, sessionId: string): Promise<number> {
	try {
		return await env.NOTIFICATION_SHARD.getByName(shardName(ringFor(env).shardOf(userId))).endSession(userId, sessionId);
	} catch (err) {
		logger.warn("session_sockets_not_closed", { userId, error: (err as Error).message });
		return 0;
	}
}
