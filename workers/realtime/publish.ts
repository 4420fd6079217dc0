import { uuidv7 } from "../lib/ids/uuidv7";
import { logger } from "../lib/observability/logger";
import type { RoutedDatabase } from "../lib/postgres/routed-database";
import { notifications } from "../lib/postgres/schema";
import type { UserEventType } from "./events";
import { ringFor } from "./ring-config";
import { shardName } from "./shard-ring";

export type PublishTarget = { userIds: string[] } | { topic: string };

export interface PublishResult {
	/** Inbox rows written (one per recipient). */
	stored: number;
	/** Sockets the event reached right now. */
	delivered: number;
}

/**
 * The one way any feature sends an event. To users: the event is written to
 * each recipient's inbox (Postgres) first, so nobody offline misses it, then
 * handed to their shards, one batched RPC per shard. To a topic: broadcast to
 * every shard, nothing stored. A shard that cannot be reached is logged, not
 * thrown: the inbox already holds the event.
 *
 * @example await publish(env, db, { userIds: followerIds }, { type: "NEW_REEL", data: { reelId } })
 */
export async function publish(
	env: Env,
	db: RoutedDatabase,
	target: PublishTarget,
	event: { type: UserEventType | "ANNOUNCEMENT"; data: unknown },
): Promise<PublishResult> {
	const ring = ringFor(env);
	if ("topic" in target) {
		const counts = await Promise.all(
			Array.from({ length: ring.config.shards }, (_, i) =>
				env.NOTIFICATION_SHARD.getByName(shardName(i))
					.broadcast(target.topic, event.type, event.data)
					.catch((err: Error) => {
						logger.warn("broadcast_shard_failed", { shard: i, error: err.message });
						return 0;
					}),
			),
		);
		return { stored: 0, delivered: counts.reduce((a, b) => a + b, 0) };
	}

	const recipients = [...new Set(target.userIds)];
	if (recipients.length === 0) return { stored: 0, delivered: 0 };
	const type = event.type as UserEventType;
	await db.write((q) =>
		q.insert(notifications).values(recipients.map((userId) => ({ id: uuidv7(), userId, type, data: event.data ?? null }))),
	);

	const byShard = new Map<number, string[]>();
	for (const userId of recipients) {
		const shard = ring.shardOf(userId);
		byShard.set(shard, [...(byShard.get(shard) ?? []), userId]);
	}
	const delivered = await Promise.all(
		[...byShard].map(async ([shard, userIds]) => {
			try {
				const results = await env.NOTIFICATION_SHARD.getByName(shardName(shard)).deliver(
					userIds.map((userId) => ({ userId, type, data: event.data })),
				);
				return results.reduce((sum, r) => sum + r.sockets, 0);
			} catch (err) {
				logger.warn("publish_shard_failed", { shard, recipients: userIds.length, error: (err as Error).message });
				return 0;
			}
		}),
	);
	return { stored: recipients.length, delivered: delivered.reduce((a, b) => a + b, 0) };
}
