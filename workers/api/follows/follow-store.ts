// Follows in Postgres. The edge and both users' counters change in one
// transaction, the counters in a single UPDATE over both rows (so two people
// following each other at once cannot deadlock), and only when the edge
// really changed.
import { sql } from "drizzle-orm";
import { CURSOR_TIME_FORMAT } from "../../lib/pagination/cursor-codec";
import type { Db, RoutedDatabase } from "../../lib/postgres/routed-database";
import { HttpProblem } from "../../lib/problems/http-problem";
import type { Emit } from "../../realtime/outbox";

export const userNotFound = () => new HttpProblem(404, "user_not_found", "No user with that id.");

async function followerCount(q: Db, id: string): Promise<number> {
	const { rows } = await q.execute<{ follower_count: number }>(sql`SELECT follower_count FROM users WHERE id = ${id}`);
	const row = rows[0];
	if (!row) throw userNotFound();
	return row.follower_count;
}

/** Adjusts both users' counters in one statement: +1 or -1 when the edge changed. */
const adjustCounts = (q: Db, follower: string, followee: string, delta: 1 | -1) =>
	q.execute(sql`
		UPDATE users SET
			follower_count = follower_count + CASE WHEN id = ${followee}::uuid THEN ${delta}::int ELSE 0 END,
			following_count = following_count + CASE WHEN id = ${follower}::uuid THEN ${delta}::int ELSE 0 END
		WHERE id IN (${follower}::uuid, ${followee}::uuid)`);

/** `follower` follows `followee` (idempotent); the followee hears of it once. Returns the followee's follower count. */
export async function follow(tx: Db, emit: Emit, follower: string, followee: string): Promise<number> {
	if (follower === followee) throw new HttpProblem(400, "cannot_follow_self", "You cannot follow yourself.");
	const { rows } = await tx.execute(sql`
		INSERT INTO follows (follower_id, followee_id) SELECT ${follower}, id FROM users WHERE id = ${followee}
		ON CONFLICT DO NOTHING RETURNING followee_id`);
	if (rows.length) {
		await adjustCounts(tx, follower, followee, 1);
		const [name] = (await tx.execute<{ name: string }>(sql`SELECT name FROM users WHERE id = ${follower}`)).rows;
		await emit({
			to: { userIds: [followee] },
			type: "NEW_FOLLOWER",
			data: { followerId: follower, followerName: name?.name ?? "" },
			dedupeKey: `new-follower:${follower}:${followee}`,
		});
	}
	return followerCount(tx, followee);
}

/** `follower` stops following `followee` (idempotent). Returns the followee's follower count. */
export const unfollow = (db: RoutedDatabase, follower: string, followee: string): Promise<number> =>
	db.write((q) =>
		q.transaction(async (tx) => {
			const { rows } = await tx.execute(sql`DELETE FROM follows WHERE follower_id = ${follower} AND followee_id = ${followee} RETURNING 1`);
			if (rows.length) await adjustCounts(tx, follower, followee, -1);
			return followerCount(tx, followee);
		}),
	);

export interface FollowRow extends Record<string, unknown> {
	id: string;
	name: string;
	created_at: Date;
	/** created_at as exact text (microseconds) for the cursor. */
	cursor_at: string;
}

/**
 * One page (`limit + 1` rows) of a user's followers or followings, most recent
 * first, after the (created_at, id) of the previous page's last row; 404 for an unknown user.
 */
export async function followsOf(
	db: RoutedDatabase,
	which: "followers" | "following",
	userId: string,
	after: { t: string; i: string } | null,
	limit: number,
): Promise<FollowRow[]> {
	// followers: edges into the user, listing their follower; following: edges out of it, listing their followee.
	const [match, other] = which === "followers" ? ["followee_id", "follower_id"] : ["follower_id", "followee_id"];
	const { rows, exists } = await db.read(async (q) => {
		const page = await q.execute<FollowRow>(sql`
			SELECT u.id, u.name, f.created_at, to_char(f.created_at AT TIME ZONE 'UTC', ${CURSOR_TIME_FORMAT}) AS cursor_at
			FROM follows f JOIN users u ON u.id = f.${sql.raw(other)}
			WHERE f.${sql.raw(match)} = ${userId}
			${after ? sql`AND (f.created_at, f.${sql.raw(other)}) < (${after.t}::timestamptz, ${after.i}::uuid)` : sql``}
			ORDER BY f.created_at DESC, f.${sql.raw(other)} DESC LIMIT ${limit + 1}`);
		// An empty page needs telling apart from an unknown user.
		const found = page.rows.length > 0 || (await q.execute(sql`SELECT 1 FROM users WHERE id = ${userId}`)).rows.length > 0;
		return { rows: page.rows, exists: found };
	});
	if (!exists) throw userNotFound();
	return rows;
}
