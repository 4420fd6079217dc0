// Accounts in Postgres, as the users routes read and change them.
import { desc, eq, sql } from "drizzle-orm";
import { CURSOR_TIME_FORMAT } from "../../lib/pagination/cursor-codec";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { users } from "../../lib/postgres/schema";

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
			},
		}),
	);

/** Whether `follower` follows `followee`. */
export const isFollowing = async (db: RoutedDatabase, follower: string, followee: string): Promise<boolean> => {
	const { rows } = await db.read((q) =>
		q.execute(sql`SELECT 1 FROM follows WHERE follower_id = ${follower}::uuid AND followee_id = ${followee}::uuid`),
	);
	return rows.length > 0;
};

export const accountById = (db: RoutedDatabase, id: string) => db.read((q) => q.query.users.findFirst({ where: eq(users.id, id) }));

export async function updateAccount(
	db: RoutedDatabase,
	id: string,
	changes: { name?: string; bio?: string; avatarAssetId?: string | null },
): Promise<UserRow | undefined> {
	const [user] = await db.write((q) =>
		q
			.update(users)
			.set({ ...changes, updatedAt: new Date() })
			.where(eq(users.id, id))
			.returning(),
	);
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
