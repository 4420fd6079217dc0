// A reel's likes, comments and views without a hot row. Every change adds to one
// of COUNTER_SHARDS rows of reel_counter_shards, the one its actor hashes to, so
// a viral reel's crowd spreads over 16 row locks instead of queueing on the
// reel's. A count is the reel's folded column plus its rows' sum: exact the
// moment the change commits. Every minute the rows are folded into the reel's
// columns in one statement (nothing is counted twice or lost: the rows are
// deleted and added in the same statement), which keeps each reel at 16 rows
// at most and the trending ranking (which reads the columns) a minute fresh.
import { type SQL, sql } from "drizzle-orm";
import { withDatabase } from "../../lib/postgres/routed-database";

export const COUNTER_SHARDS = 16;

export type Counter = "likes" | "comments" | "views";

/** The shard an actor's changes go to: always the same one for the same actor (0..15, from Postgres' own string hash). */
export const shardOf = (actor: string) => sql`(hashtext(${actor}) & ${COUNTER_SHARDS - 1})::smallint`;

/**
 * A statement (a CTE body) adding `delta` (an integer: -1 - n when a comment goes with its n
 * replies) to `counter` of each reel `reels` returns (a query whose first column is `reel_id`), in
 * `actor`'s shard.
 */
export function bumpCounter(counter: Counter, actor: string, delta: number, reels: SQL): SQL {
	return sql`INSERT INTO reel_counter_shards (reel_id, shard, ${sql.raw(counter)})
		SELECT reel_id, ${shardOf(actor)}, ${delta}::int FROM (${reels}) AS changed
		ON CONFLICT (reel_id, shard) DO UPDATE SET ${sql.raw(counter)} = reel_counter_shards.${sql.raw(counter)} + ${delta}::int
		RETURNING 1`;
}

/** The unfolded part of `counter` for the reel whose id is `reelId` (an SQL expression). */
export const unfolded = (counter: Counter, reelId: SQL) =>
	sql`COALESCE((SELECT sum(s.${sql.raw(counter)}) FROM reel_counter_shards s WHERE s.reel_id = ${reelId}), 0)`;

/** Folds every shard row into its reel's columns, in one statement; returns how many reels moved. */
export async function foldCounters(env: Env): Promise<number> {
	return withDatabase(env, async (db) => {
		const { rows } = await db.write((q) =>
			q.transaction(async (tx) => {
				// The reels first, in id order, as a reel's delete does (its cascade reaches the shards after
				// the reel's row): folding the other way round could deadlock with it.
				await tx.execute(sql`
					SELECT id FROM reels WHERE id IN (SELECT DISTINCT reel_id FROM reel_counter_shards) ORDER BY id FOR NO KEY UPDATE`);
				return tx.execute<{ n: number }>(sql`
				WITH moved AS (DELETE FROM reel_counter_shards RETURNING reel_id, likes, comments, views),
				     sums AS (SELECT reel_id, sum(likes)::int AS l, sum(comments)::int AS c, sum(views)::int AS v FROM moved GROUP BY reel_id),
				     folded AS (
				       -- Never below zero: a count gone wrong on one reel must not fail the fold of every other (the
				       -- columns' CHECKs would refuse the whole statement, every minute).
				       UPDATE reels r SET like_count = GREATEST(0, r.like_count + s.l), comment_count = GREATEST(0, r.comment_count + s.c),
				                          view_count = GREATEST(0, r.view_count + s.v)
				       FROM sums s WHERE r.id = s.reel_id RETURNING 1)
				SELECT count(*)::int AS n FROM folded`);
			}),
		);
		return rows[0]?.n ?? 0;
	});
}
