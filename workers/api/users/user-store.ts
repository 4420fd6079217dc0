// Accounts in Postgres, as the users routes read and change them.
import { desc, eq, sql } from "drizzle-orm";
import { CURSOR_TIME_FORMAT } from "../../lib/pagination/cursor-codec";
import type { Db, RoutedDatabase } from "../../lib/postgres/routed-database";
import { users } from "../../lib/postgres/schema";
import type { Emit } from "../../realtime/outbox";
import { approveAllRequests } from "../follows/follow-store";

export type UserRow = typeof users.$inferSelect;

export interface ProfileRow extends Record<string, unknown> {
	id: string;
	name: string;
	bio: string;
	role: UserRow["role"];
	created_at: Date;
	follower_count: number;
	following_count: number;
	avatar_asset_id: string | null;
	private: boolean;
	following: boolean | null;
	requested: boolean | null;
	blocking: boolean | null;
}

/**
 * A public profile and how `viewer` stands towards it (follows, asked to, blocked), in one
 * statement; the relation is null when anonymous. A fresh id missed by the replica is asked of the primary.
 */
export const profileSeenBy = (db: RoutedDatabase, id: string, viewer: string | null) =>
	db.readById(id, async (q) => {
		const relation = viewer
			? sql`EXISTS (SELECT 1 FROM follows WHERE follower_id = ${viewer}::uuid AND followee_id = u.id) AS following,
			      EXISTS (SELECT 1 FROM follow_requests WHERE requester_id = ${viewer}::uuid AND target_id = u.id) AS requested,
			      EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ${viewer}::uuid AND blocked_id = u.id) AS blocking`
			: sql`NULL::boolean AS following, NULL::boolean AS requested, NULL::boolean AS blocking`;
		const { rows } = await q.execute<ProfileRow>(sql`
			SELECT u.id, u.name, u.bio, u.role, u.created_at, u.follower_count, u.following_count, u.avatar_asset_id, u.private, ${relation}
			FROM users u WHERE u.id = ${id}::uuid`);
		return rows[0];
	});

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
