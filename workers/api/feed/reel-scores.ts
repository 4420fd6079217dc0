import { sql } from "drizzle-orm";
import { withDatabase } from "../../lib/postgres/routed-database";
import { QUICK_SKIP_MS } from "./for-you-store";

/**
 * What every viewer's counted plays of the last 14 days say of each reel (plays, completions, quick
 * skips), written to reel_scores every five minutes. Only counted views (once per viewer, or
 * address, per reel per hour): fresh device ids from one address add one play an hour, not a crowd.
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
				gone AS (DELETE FROM reel_scores s WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.reel_id = s.reel_id)),
				up AS (
				  INSERT INTO reel_scores (reel_id, plays, completions, quick_skips, updated_at)
				  SELECT reel_id, plays, completions, quick_skips, now() FROM fresh
				  ON CONFLICT (reel_id) DO UPDATE SET plays = EXCLUDED.plays, completions = EXCLUDED.completions,
				    quick_skips = EXCLUDED.quick_skips, updated_at = now()
				  RETURNING 1)
				SELECT count(*)::int AS n FROM up`);
			return rows[0]?.n ?? 0;
		}),
	);
}
