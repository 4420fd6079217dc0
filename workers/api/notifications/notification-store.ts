// The inbox in Postgres: every event publish() stored for a user.
import { and, desc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { notifications } from "../../lib/postgres/schema";

/** One page (`limit + 1` rows) of a user's inbox, newest first, and how many are unread. */
export async function inboxPage(
	db: RoutedDatabase,
	{ userId, beforeId, limit, unreadOnly }: { userId: string; beforeId: string | null; limit: number; unreadOnly: boolean },
) {
	const [rows, counts] = await db.read((q) =>
		Promise.all([
			q
				.select()
				.from(notifications)
				.where(
					and(
						eq(notifications.userId, userId),
						beforeId ? lt(notifications.id, beforeId) : undefined,
						unreadOnly ? isNull(notifications.readAt) : undefined,
					),
				)
				.orderBy(desc(notifications.id))
				.limit(limit + 1),
			q
				.select({ n: sql<number>`count(*)::int` })
				.from(notifications)
				.where(and(eq(notifications.userId, userId), isNull(notifications.readAt))),
		]),
	);
	return { rows, unread: counts[0]?.n ?? 0 };
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
