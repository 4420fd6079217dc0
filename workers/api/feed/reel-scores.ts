import { sql } from "drizzle-orm";
import { withDatabase } from "../../lib/postgres/routed-database";
import { QUICK_SKIP_MS } from "./for-you-store";

/**
 * What every viewer's counted plays of the last 14 days say of each reel (plays, completions, quick
 * skips), and how many accounts shared it then, written to reel_scores every five minutes. Only
 * counted views (once per viewer, or address, per reel per hour): fresh device ids from one address
 * add one play an hour, not a crowd; and only signed-in viewers' shares, for the same reason.
 * Reels with no play left in the window drop out.
 */
export async function refreshReelScores(env: Env): Promise<number> {
	return withDatabase(env, (db) =>
		db.write(async (q) => {
			const { rows } = await q.execute<{ n: number }>(sql`
				WITH fresh AS (
				  SELECT reel_id, count(*)::int AS plays, count(*) FILTER (WHERE completed)::int AS completions,
				         count(*) FILTER (WHERE NOT completed AND ended_at IS NOT NULL AND watched_ms < ${QUICK_SKIP_MS})::int AS quick_skips
				  FROM playback_views WHERE counted AND started_at > now() - interval '14 days' GROUP BY reel_id),
				shared AS (
				  SELECT reel_id, count(*)::int AS shares FROM reel_shares
				  WHERE user_id IS NOT NULL AND created_at > now() - interval '14 days' GROUP BY reel_id),
				gone AS (DELETE FROM reel_scores s WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.reel_id = s.reel_id)),
				up AS (
				  INSERT INTO reel_scores (reel_id, plays, completions, quick_skips, shares, updated_at)
				  SELECT f.reel_id, f.plays, f.completions, f.quick_skips, COALESCE(s.shares, 0), now()
				  FROM fresh f LEFT JOIN shared s ON s.reel_id = f.reel_id
				  ON CONFLICT (reel_id) DO UPDATE SET plays = EXCLUDED.plays, completions = EXCLUDED.completions,
				    quick_skips = EXCLUDED.quick_skips, shares = EXCLUDED.shares, updated_at = now()
				  RETURNING 1)
				SELECT count(*)::int AS n FROM up`);
			return rows[0]?.n ?? 0;
		}),
	);
}
