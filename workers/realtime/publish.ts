import { sql } from "drizzle-orm";
import { uuidv7 } from "../lib/ids/uuidv7";
import { logger } from "../lib/observability/logger";
import type { RoutedDatabase } from "../lib/postgres/routed-database";
import { type BroadcastEventType, TRANSIENT_EVENT_TYPES, type UserEventType } from "./events";
import { isEmailable, queueNotificationMail, routingOf } from "./notification-mail";
import { ringFor } from "./ring-config";
import { shardName } from "./shard-ring";

export type PublishTarget = { userIds: string[] } | { topic: string };

export interface PublishOptions {
	/**
	 * Makes the event at-most-once per recipient: a second publish with the same
	 * key (a retried queue job, a replayed request) stores and delivers nothing.
	 */
	dedupeKey?: string;
}

export interface PublishResult {
	/** Inbox rows written (one per recipient). */
	stored: number;
	/** Sockets the event reached right now. */
	delivered: number;
}

/**
 * Writes the event to each recipient's inbox and returns who got it. Recipients who no longer
 * exist are skipped rather than failing everyone's event on the foreign key; with a dedupe key,
 * those who already have it are skipped too.
 */
async function storeInInboxes(
	db: RoutedDatabase,
	userIds: string[],
	type: UserEventType,
	data: unknown,
	dedupeKey: string | undefined,
): Promise<{ userId: string; notificationId: string }[]> {
	const inserted = await db.write((q) =>
		q.execute<{ user_id: string; id: string }>(sql`
			INSERT INTO notifications (id, user_id, type, data, dedupe_key)
			SELECT r.id, r.user_id, ${type}, ${JSON.stringify(data ?? null)}::jsonb, ${dedupeKey ?? null}
			FROM unnest(${sql.param(userIds.map(() => uuidv7()))}::uuid[], ${sql.param(userIds)}::uuid[]) AS r (id, user_id)
			WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = r.user_id)
			ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
			RETURNING user_id, id`),
	);
	return inserted.rows.map((r) => ({ userId: r.user_id, notificationId: r.id }));
}

/**
 * The one way any feature sends an event. To users: the event is written to
 * each recipient's inbox (Postgres) first, so nobody offline misses it, then
 * handed to their shards, one batched RPC per shard; a transient event
 * (TRANSIENT_EVENT_TYPES: progress) skips the inbox. To a topic: broadcast to
 * every shard, nothing stored. A shard that cannot be reached is logged, not
 * thrown: the inbox already holds the event.
 *
 * @example await publish(env, db, { userIds: followerIds }, { type: "NEW_REEL", data: { reelId } })
 */
export async function publish(
	env: Env,
	db: RoutedDatabase,
	target: PublishTarget,
	event: { type: UserEventType | BroadcastEventType; data: unknown },
	options: PublishOptions = {},
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

	const unique = [...new Set(target.userIds)];
	if (unique.length === 0) return { stored: 0, delivered: 0 };
	const type = event.type as UserEventType;
	const stored = TRANSIENT_EVENT_TYPES.has(type) ? null : await storeInInboxes(db, unique, type, event.data, options.dedupeKey);
	const recipients = stored ? stored.map((s) => s.userId) : unique;
	// Emailable events: who hears them how (one read for all recipients); those who chose email
	// alone are not pushed to sockets.
	const routing = stored && isEmailable(type) && stored.length > 0 ? await routingOf(db, type, recipients) : null;
	const reachedSocket = new Set<string>();

	const byShard = new Map<number, string[]>();
	for (const userId of recipients) {
		if (routing?.get(userId)?.channel === "email") continue;
		const shard = ring.shardOf(userId);
		byShard.set(shard, [...(byShard.get(shard) ?? []), userId]);
	}
	const delivered = await Promise.all(
		[...byShard].map(async ([shard, userIds]) => {
			try {
				const results = await env.NOTIFICATION_SHARD.getByName(shardName(shard)).deliver(
					userIds.map((userId) => ({ userId, type, data: event.data })),
				);
				for (const r of results) if (r.sockets > 0) reachedSocket.add(r.userId);
				return results.reduce((sum, r) => sum + r.sockets, 0);
			} catch (err) {
				logger.warn("publish_shard_failed", { shard, recipients: userIds.length, error: (err as Error).message });
				return 0;
			}
		}),
	);
	if (routing && stored) {
		const mail = stored.filter(({ userId }) => {
			const r = routing.get(userId);
			return r?.mailable && (r.channel === "email" || !reachedSocket.has(userId));
		});
		if (mail.length > 0) await queueNotificationMail(env, mail);
	}
	return { stored: stored?.length ?? 0, delivered: delivered.reduce((a, b) => a + b, 0) };
}
