// Accounts in Postgres, as the users routes read and change them.
import { desc, eq, sql } from "drizzle-orm";
import { CURSOR_TIME_FORMAT } from "../../lib/pagination/cursor-codec";
import type { Db, RoutedDatabase } from "../../lib/postgres/routed-database";
import { users } from "../../lib/postgres/schema";
import type { Emit } from "../../realtime/outbox";
import { approveAllRequests } from "../follows/follow-store";

export type UserRow = typeof users.$inferSelect;

/** A public profile by id (a fresh id missed by the replica is asked of the primary). */
export const profileById = (db: RoutedDatabase, id: string) =>
	db.readById(id, (q) =>
		q.query.users.findFirst({
			where: eq(users.id, id),
			columns: {
				id: true,
				name: true,
				bio: true,
				role: true,
				createdAt: true,
				followerCount: true,
				followingCount: true,
				avatarAssetId: true,
				private: true,
			},
		}),
	);

export interface Relation {
	following: boolean;
	requested: boolean;
	blocking: boolean;
}

/** How `viewer` stands towards `other`: follows, asked to, blocked them. One round trip. */
export const relationTo = async (db: RoutedDatabase, viewer: string, other: string): Promise<Relation> => {
	const { rows } = await db.read((q) =>
		q.execute<{ following: boolean; requested: boolean; blocking: boolean }>(sql`
			SELECT EXISTS (SELECT 1 FROM follows WHERE follower_id = ${viewer}::uuid AND followee_id = ${other}::uuid) AS following,
			       EXISTS (SELECT 1 FROM follow_requests WHERE requester_id = ${viewer}::uuid AND target_id = ${other}::uuid) AS requested,
			       EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ${viewer}::uuid AND blocked_id = ${other}::uuid) AS blocking`),
	);
	const row = rows[0];
	return { following: !!row?.following, requested: !!row?.requested, blocking: !!row?.blocking };
};

export const accountById = (db: RoutedDatabase, id: string) => db.read((q) => q.query.users.findFirst({ where: eq(users.id, id) }));

/** Changes the account; turning it public approves every pending follow request in the same transaction. */
export async function updateAccount(
	tx: Db,
	emit: Emit,
	id: string,
	changes: { name?: string; bio?: string; avatarAssetId?: string | null; private?: boolean },
): Promise<UserRow | undefined> {
	const [user] = await tx
		.update(users)
		.set({ ...changes, updatedAt: new Date() })
		.where(eq(users.id, id))
		.returning();
	if (user && changes.private === false) await approveAllRequests(tx, emit, id);
	return user;
}

/** Every account, newest first, `limit + 1` of them after the (created_at, id) of the previous page's last row. */
export const accountsPage = (db: RoutedDatabase, after: { t: string; i: string } | null, limit: number) =>
	db.read((q) =>
		q
			.select({ user: users, cursorAt: sql<string>`to_char(${users.createdAt} AT TIME ZONE 'UTC', ${CURSOR_TIME_FORMAT})` })
			.from(users)
			.where(after ? sql`(${users.createdAt}, ${users.id}) < (${after.t}::timestamptz, ${after.i}::uuid)` : undefined)
			.orderBy(desc(users.createdAt), desc(users.id))
			.limit(limit + 1),
	);
