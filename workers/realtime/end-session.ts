import { logger } from "../lib/observability/logger";
import { ringFor } from "./ring-config";
import { shardName } from "./shard-ring";

const shardOf = (env: Env, userId: string) => env.NOTIFICATION_SHARD.getByName(shardName(ringFor(env).shardOf(userId)));

/**
 * Closes every socket of one session at once: its notification sockets, on the
 * shard that holds its user, and its live viewer sockets, in each stream that
 * shard remembers it joining (trackLiveSocket). Called when the session ends
 * (logout, a reused refresh token). A shard or stream that cannot be reached is
 * logged: the session is already refused by every other request; notification
 * sockets close at their token's expiry at the latest, and a live viewer socket
 * can no longer chat once its token has expired.
 */
export async function closeSessionSockets(env: Env, userId: string, sessionId: string): Promise<number> {
	let closed = 0;
	try {
		const shard = shardOf(env, userId);
		closed += await shard.endSession(userId, sessionId);
		for (const streamId of await shard.liveStreamsOf(sessionId)) {
			closed += await env.LIVE_STREAM.getByName(streamId)
				.endSession(userId, sessionId)
				.catch((err: Error) => {
					logger.warn("live_sockets_not_closed", { userId, streamId, error: err.message });
					return 0;
				});
		}
	} catch (err) {
		logger.warn("session_sockets_not_closed", { userId, error: (err as Error).message });
	}
	return closed;
}

/**
 * Remembers, on the user's shard, that `sessionId` has a viewer socket on live stream `streamId`
 * until `expiresAt` (epoch seconds: the socket closes at its token's expiry anyway).
 */
export async function trackLiveSocket(env: Env, userId: string, sessionId: string, streamId: string, expiresAt: number): Promise<void> {
	await shardOf(env, userId).trackLiveSocket(sessionId, streamId, expiresAt);
}

/** The account was deleted: its sockets close (4003) and its shard forgets its recent events. */
export async function forgetUserOnShard(env: Env, userId: string): Promise<number> {
	return shardOf(env, userId).forgetUser(userId);
}
