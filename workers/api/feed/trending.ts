// Trending: a ranking computed every five minutes (cron) into an epoch of
// its own. A feed pages through one epoch by rank, so its pages never overlap
// however likes move meanwhile; epochs are kept an hour for open cursors.
//
// score = (3·likes + 5·comments + 0.5·views + 1) / (age in hours + 2)^1.5
// (Hacker News-style gravity: engagement counts, age wears it down), over
// playable, visible reels of the last 30 days, top 1000.
import { sql } from "drizzle-orm";
import { type Db, withDatabase } from "../../lib/postgres/routed-database";

export const TRENDING_SIZE = 1000;

export async function computeTrending(q: Db): Promise<number> {
	const { rows } = await q.execute<{ id: number }>(sql`
		WITH epoch AS (INSERT INTO trending_epochs DEFAULT VALUES RETURNING id),
		     ranked AS (
		       SELECT r.id, (r.like_count * 3 + r.comment_count * 5 + r.view_count * 0.5 + 1)
		                    / power(extract(epoch FROM now() - r.created_at) / 3600 + 2, 1.5) AS score
		       FROM reels r
		       WHERE r.media_status IN ('playable', 'ready') AND r.hidden_at IS NULL AND r.created_at > now() - interval '30 days'
		       ORDER BY score DESC, r.id DESC LIMIT ${TRENDING_SIZE}),
		     stored AS (
		       INSERT INTO trending_reels (epoch_id, rank, reel_id, score)
		       SELECT (SELECT id FROM epoch), row_number() OVER (ORDER BY score DESC, id DESC), id, score FROM ranked)
		SELECT id::int FROM epoch`);
	const epoch = rows[0]?.id as number;
	await q.execute(sql`DELETE FROM trending_epochs WHERE computed_at < now() - interval '1 hour' AND id < ${epoch}`);
	return epoch;
}

/** The cron's entry. */
export async function refreshTrending(env: Env): Promise<number> {
	return withDatabase(env, (db) => db.write((q) => computeTrending(q)));
}
