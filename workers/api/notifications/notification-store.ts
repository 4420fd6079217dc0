// The inbox in Postgres: every event publish() stored for a user.
import { and, desc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { notifications, users } from "../../lib/postgres/schema";
import { actorIdOf } from "./notification-view";

/** Unread notifications counted at most: past it the count says this many. */
export const UNREAD_COUNT_CAP = 1000;

/**
 * One page (`limit + 1` rows) of a user's inbox, newest first, each with its actor (null when the
 * event has none or the account is gone), and how many are unread. Events from accounts the user
 * blocked are left out, as everything else of theirs is.
 */
export async function inboxPage(
	db: RoutedDatabase,
	{ userId, beforeId, limit, unreadOnly }: { userId: string; beforeId: string | null; limit: number; unreadOnly: boolean },
) {
	const actor = alias(users, "actor");
	// What an account the user blocked did is neither listed nor counted as unread.
	const notBlocked = sql`NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = ${userId}::uuid AND b.blocked_id = ${actor.id})`;
	const [rows, counts] = await db.read((q) =>
		Promise.all([
			q
				.select({
					notification: notifications,
					actor: { id: actor.id, name: actor.name, handle: actor.handle, avatarAssetId: actor.avatarAssetId },
				})
				.from(notifications)
				.leftJoin(actor, eq(actor.id, actorIdOf))
				.where(
					and(
						eq(notifications.userId, userId),
						beforeId ? lt(notifications.id, beforeId) : undefined,
						unreadOnly ? isNull(notifications.readAt) : undefined,
						notBlocked,
					),
				)
				.orderBy(desc(notifications.id))
				.limit(limit + 1),
			// Counted up to UNREAD_COUNT_CAP (a badge says "99+" long before): a flooded inbox costs no more.
			q.execute<{ n: number }>(sql`
				SELECT count(*)::int AS n FROM (
					SELECT 1 FROM ${notifications}
					WHERE ${notifications.userId} = ${userId} AND ${notifications.readAt} IS NULL
					  AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = ${userId}::uuid AND b.blocked_id = ${actorIdOf})
					LIMIT ${UNREAD_COUNT_CAP}) capped`),
		]),
	);
	return { rows, unread: counts.rows[0]?.n ?? 0 };
}

/** Marks the given notifications of the user (or all of them) read; returns how many changed. */
export async function markRead(db: RoutedDatabase, userId: string, which: { ids: string[] } | { all: true }): Promise<number> {
	const updated = await db.write((q) =>
		q
			.update(notifications)
			.set({ readAt: new Date() })
			.where(
				and(
					eq(notifications.userId, userId),
					isNull(notifications.readAt),
					"ids" in which ? inArray(notifications.id, which.ids) : undefined,
				),
			)
			.returning({ id: notifications.id }),
	);
	return updated.length;
}
