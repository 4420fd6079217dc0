// Playback reports into playback_views: one statement a report, on the primary. The player's
// figures are believed only within what the server can check: the time since the view began on
// the server's clock, the reel's duration, a loop cap.
import { sql } from "drizzle-orm";
import { type RoutedDatabase, withDatabase } from "../../lib/postgres/routed-database";
import { bumpCounter } from "../reels/counter-shards";
import { canSee, PLAYABLE } from "../reels/reel-cards";
import type { DeviceViewer } from "../reels/view-key";
import type { ViewReport } from "./fold-events";

/** A view is believed to have begun at most this long before its first report reached us (a player flushes every few seconds). */
export const REPORT_WINDOW_MS = 30_000;
/** Watch time one view may claim: this many times the reel's duration (loops), and never more time than has passed. */
export const LOOP_CAP = 5;
/** For a reel whose duration is not known yet: the longest a source may be. */
const UNKNOWN_DURATION_MS = 10 * 60_000;
/** A play reaching this close to the end completed it (a loop restarts a frame or two early). */
export const COMPLETION_SLACK_MS = 250;
/** Raw views are kept this long; a creator's analytics look back at most as far. */
export const PLAYBACK_RETENTION_DAYS = 90;

/**
 * Records a report's views: new ones are inserted (and counted toward the reel's viewCount when
 * their count key has not counted this reel this hour: the same rule as POST /api/reels/:id/views),
 * known ones updated, but only by their own viewer, only while not ended, and only for a reel the
 * caller may see. Returns how many views the report changed.
 */
export async function recordViews(
	db: RoutedDatabase,
	viewer: DeviceViewer,
	views: readonly (ViewReport & { countKey: string })[],
): Promise<number> {
	const input = JSON.stringify(
		views.map((v) => ({
			view_id: v.viewId,
			reel_id: v.reelId,
			count_key: v.countKey,
			watched_ms: v.watchedMs,
			position_ms: v.positionMs,
			startup_ms: v.startupMs,
			loops: v.loops,
			rebuffer_count: v.rebufferCount,
			rebuffer_ms: v.rebufferMs,
			error: v.error,
			ended: v.ended,
		})),
	);
	// The most watch time a view may have, from when it began (`started` an SQL timestamp).
	const cap = (started: ReturnType<typeof sql>) =>
		sql`LEAST(COALESCE(s.duration_ms, ${UNKNOWN_DURATION_MS}) * ${LOOP_CAP},
		          (extract(epoch FROM now() - ${started}) * 1000)::int + ${REPORT_WINDOW_MS})`;
	const watched = (started: ReturnType<typeof sql>) => sql`LEAST(s.watched_ms, ${cap(started)})`;
	// Where playing got to: never past the end, nor further than the time watched (a seek is not watching).
	const furthest = (started: ReturnType<typeof sql>) => sql`LEAST(s.position_ms, s.duration_ms, ${watched(started)} + 1000)`;
	const completes = (furthestMs: ReturnType<typeof sql>) => sql`COALESCE(${furthestMs} >= s.duration_ms - ${COMPLETION_SLACK_MS}, false)`;
	const stalled = (started: ReturnType<typeof sql>) =>
		sql`LEAST(s.rebuffer_ms, (extract(epoch FROM now() - ${started}) * 1000)::int + ${REPORT_WINDOW_MS})`;
	const { rows } = await db.write((q) =>
		q.execute<{ accepted: number }>(sql`
			WITH input AS (
			  SELECT * FROM jsonb_to_recordset(${input}::jsonb) AS i(view_id uuid, reel_id uuid, count_key text, watched_ms int,
			    position_ms int, startup_ms int, loops int, rebuffer_count int, rebuffer_ms int, error text, ended boolean)),
			seen AS (
			  SELECT i.*, r.duration_ms FROM input i JOIN reels r ON r.id = i.reel_id
			  WHERE ${PLAYABLE} AND ${canSee({ id: viewer.userId, admin: false })}),
			fresh AS (
			  SELECT s.*, row_number() OVER (PARTITION BY s.reel_id ORDER BY s.view_id) AS nth FROM seen s
			  WHERE NOT EXISTS (SELECT 1 FROM playback_views p WHERE p.view_id = s.view_id)),
			counted AS (
			  INSERT INTO reel_views (reel_id, viewer, hour) SELECT reel_id, count_key, date_trunc('hour', now()) FROM fresh WHERE nth = 1
			  ON CONFLICT DO NOTHING RETURNING reel_id),
			bump AS (${bumpCounter("views", viewer.key, 1, sql`SELECT reel_id FROM counted`)}),
			inserted AS (
			  INSERT INTO playback_views AS p (view_id, reel_id, viewer, user_id, counted, startup_ms, watched_ms, furthest_ms, completed,
			                                   loops, rebuffer_count, rebuffer_ms, error_code, ended_at)
			  SELECT s.view_id, s.reel_id, ${viewer.key}, ${viewer.userId}::uuid,
			         s.nth = 1 AND EXISTS (SELECT 1 FROM counted c WHERE c.reel_id = s.reel_id),
			         s.startup_ms, ${watched(sql`now()`)}, ${furthest(sql`now()`)}, ${completes(furthest(sql`now()`))}, LEAST(s.loops, ${LOOP_CAP}),
			         LEAST(s.rebuffer_count, 1000), ${stalled(sql`now()`)}, s.error, CASE WHEN s.ended THEN now() END
			  FROM fresh s
			  ON CONFLICT (view_id) DO NOTHING RETURNING 1),
			updated AS (
			  -- Rows that were there before this statement (a view inserted by a report racing this one is
			  -- not seen: its next report, whose figures are totals, brings it up to date).
			  UPDATE playback_views p SET
			    watched_ms = GREATEST(p.watched_ms, ${watched(sql`p.started_at`)}),
			    furthest_ms = GREATEST(p.furthest_ms, ${furthest(sql`p.started_at`)}),
			    completed = p.completed OR ${completes(furthest(sql`p.started_at`))},
			    loops = GREATEST(p.loops, LEAST(s.loops, ${LOOP_CAP})),
			    rebuffer_count = GREATEST(p.rebuffer_count, LEAST(s.rebuffer_count, 1000)),
			    rebuffer_ms = GREATEST(p.rebuffer_ms, ${stalled(sql`p.started_at`)}),
			    startup_ms = COALESCE(p.startup_ms, s.startup_ms),
			    error_code = COALESCE(p.error_code, s.error),
			    ended_at = CASE WHEN s.ended THEN now() END,
			    updated_at = now()
			  FROM seen s
			  WHERE p.view_id = s.view_id AND p.reel_id = s.reel_id AND p.viewer = ${viewer.key} AND p.ended_at IS NULL
			  RETURNING 1)
			SELECT ((SELECT count(*) FROM inserted) + (SELECT count(*) FROM updated))::int AS accepted`),
	);
	return rows[0]?.accepted ?? 0;
}

/** Raw views older than PLAYBACK_RETENTION_DAYS go (the every-hour cron). */
export async function sweepPlaybackViews(env: Env): Promise<number> {
	const { rowCount } = await withDatabase(env, (db) =>
		db.write((q) =>
			q.execute(sql`DELETE FROM playback_views WHERE started_at < now() - make_interval(days => ${PLAYBACK_RETENTION_DAYS})`),
		),
	);
	return rowCount ?? 0;
}
