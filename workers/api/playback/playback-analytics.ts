// What playback_views add up to, for a reel and for an account: every figure is computed here and
// nowhere else, in one statement on a replica, exact at the moment of reading (a report is in the
// figures as soon as the replica has it, well within a minute).
import { type SQL, sql } from "drizzle-orm";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { COMPLETION_SLACK_MS } from "./playback-store";

const completed = sql`v.completed`;

/** The figures of the views `v` (a relation with playback_views' columns and the reel's duration_ms). */
const FIGURES = sql`
	count(*) FILTER (WHERE v.counted)::int AS views,
	count(*)::int AS plays,
	count(DISTINCT v.viewer)::int AS "uniqueViewers",
	COALESCE(sum(v.watched_ms), 0)::float8 / 1000 AS "watchSeconds",
	avg(v.watched_ms)::float8 / 1000 AS "averageWatchSeconds",
	avg(${completed}::int) FILTER (WHERE v.duration_ms IS NOT NULL)::float8 AS "completionRate",
	json_build_object(
	  'p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY v.startup_ms),
	  'p90', percentile_cont(0.9) WITHIN GROUP (ORDER BY v.startup_ms)) AS "startupMs",
	(sum(v.rebuffer_ms)::float8 / NULLIF(sum(v.watched_ms) + sum(v.rebuffer_ms), 0)) AS "rebufferRatio",
	avg(v.rebuffer_count)::float8 AS "rebuffersPerPlay",
	avg((v.error_code IS NOT NULL)::int)::float8 AS "errorRate"`;

export interface PlaybackFigures {
	views: number;
	plays: number;
	uniqueViewers: number;
	watchSeconds: number;
	averageWatchSeconds: number | null;
	completionRate: number | null;
	startupMs: { p50: number | null; p90: number | null };
	rebufferRatio: number | null;
	rebuffersPerPlay: number | null;
	errorRate: number | null;
}

const viewsSince = (where: SQL, since: Date) => sql`
	SELECT pv.*, r.duration_ms FROM playback_views pv JOIN reels r ON r.id = pv.reel_id
	WHERE ${where} AND pv.started_at >= ${since.toISOString()}::timestamptz`;

export interface ReelAnalytics {
	durationSeconds: number | null;
	figures: PlaybackFigures;
	retention: number[];
	byDay: { day: string; views: number; plays: number; watchSeconds: number }[];
}

/**
 * A reel's analytics since `since`, or null when there is no such reel or `reader` may not read
 * them (only its author, or an admin: to anyone else the reel is not there).
 */
export async function reelAnalytics(
	db: RoutedDatabase,
	reader: { id: string; admin: boolean },
	reelId: string,
	since: Date,
): Promise<ReelAnalytics | null> {
	const { rows } = await db.read((q) =>
		q.execute<{
			duration_ms: number | null;
			figures: PlaybackFigures;
			retention: number[] | null;
			by_day: ReelAnalytics["byDay"] | null;
		}>(sql`
			WITH v AS (${viewsSince(sql`pv.reel_id = ${reelId}`, since)})
			SELECT r.duration_ms,
			  (SELECT row_to_json(f) FROM (SELECT ${FIGURES} FROM v) f) AS figures,
			  -- The share of plays past each tenth; the tenth tenth is the end, with completion's slack.
			  (SELECT json_agg(share ORDER BY k) FROM (
			     SELECT k, avg((v.furthest_ms >= LEAST(k * v.duration_ms / 10, v.duration_ms - ${COMPLETION_SLACK_MS}))::int)::float8 AS share
			     FROM v CROSS JOIN generate_series(1, 10) AS k WHERE v.duration_ms IS NOT NULL GROUP BY k) t) AS retention,
			  (SELECT json_agg(d ORDER BY d.day) FROM (
			     SELECT to_char((v.started_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, count(*) FILTER (WHERE v.counted)::int AS views,
			            count(*)::int AS plays, sum(v.watched_ms)::float8 / 1000 AS "watchSeconds"
			     FROM v GROUP BY 1) d) AS by_day
			FROM reels r WHERE r.id = ${reelId} AND (r.author_id = ${reader.id}::uuid OR ${reader.admin})`),
	);
	const row = rows[0];
	if (!row) return null;
	return {
		durationSeconds: row.duration_ms === null ? null : row.duration_ms / 1000,
		figures: row.figures,
		retention: row.retention ?? [],
		byDay: row.by_day ?? [],
	};
}

export interface AccountAnalytics {
	figures: PlaybackFigures;
	topReels: { reelId: string; caption: string; views: number; plays: number; watchSeconds: number; completionRate: number | null }[];
}

/** The totals of every reel `authorId` has, and the ten most viewed, since `since`. */
export async function accountAnalytics(db: RoutedDatabase, authorId: string, since: Date): Promise<AccountAnalytics> {
	const { rows } = await db.read((q) =>
		q.execute<{ figures: PlaybackFigures; top: AccountAnalytics["topReels"] | null }>(sql`
			WITH v AS (${viewsSince(sql`r.author_id = ${authorId}::uuid`, since)})
			SELECT (SELECT row_to_json(f) FROM (SELECT ${FIGURES} FROM v) f) AS figures,
			  (SELECT json_agg(t ORDER BY t.views DESC, t.plays DESC, t."reelId") FROM (
			     SELECT v.reel_id AS "reelId", r.caption, count(*) FILTER (WHERE v.counted)::int AS views, count(*)::int AS plays,
			            sum(v.watched_ms)::float8 / 1000 AS "watchSeconds",
			            avg(${completed}::int) FILTER (WHERE v.duration_ms IS NOT NULL)::float8 AS "completionRate"
			     FROM v JOIN reels r ON r.id = v.reel_id
			     GROUP BY v.reel_id, r.caption ORDER BY views DESC, plays DESC, v.reel_id LIMIT 10) t) AS top`),
	);
	const row = rows[0];
	return { figures: row?.figures as PlaybackFigures, topReels: row?.top ?? [] };
}
