// The For You ranking, in one replica statement. Where each signal lives:
// - what this viewer watched (watch-through, completion, quick skips): playback_views, by the
//   viewer's index, the last 300 plays of 30 days;
// - their likes, comments and shares: likes, comments and reel_shares, by their own indexes;
// - "not interested": not_interested (the reel, its creator and hashtags);
// - whom they follow: follows;
// - what each reel's viewers did (completion, quick skips of counted views, accounts' shares): reel_scores,
//   recomputed every five minutes (reel-scores.ts), so no request aggregates a viral reel's plays;
// - what is popular: the trending epoch (trending.ts);
// - the newest reels under a hashtag: reel_hashtags (tag, reel id), an index range read however
//   common the tag (the GIN index on reels.hashtags would visit every reel with it).
// Candidates come from six sources (followed creators, creators and hashtags the viewer engaged
// with, reels completed by viewers who completed what this one did, trending, fresh), each by an
// index and a LIMIT, so the cost does not grow with the number of reels; then they are scored.
import { sql } from "drizzle-orm";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { canSee, LISTED_TO_FOLLOWER, notBlockedBy, PLAYABLE, VISIBLE } from "../reels/reel-cards";
import type { DeviceViewer } from "../reels/view-key";
import type { Candidate } from "./for-you-page";

/** Ids (already validated as uuids) as one Postgres array parameter: drizzle would spread a JS array into a list. */
export const uuidArray = (ids: readonly string[]) => `{${ids.join(",")}}`;

/** A play ended before this, and not completed, was a quick skip: the strongest "no". */
export const QUICK_SKIP_MS = 2_000;
/** A reel with fewer counted plays than this in its first three days is fresh: it gets its own slots. */
export const FRESH_PLAYS = 20;
/** Co-watched candidates at most: the reels completed by the most viewers who completed what this one did. */
const COWATCHED = 100;
/** How many scored candidates a page is picked from. */
export const CANDIDATES = 150;
/** The quality prior: a reel's completion rate starts at PRIOR_RATE as if seen PRIOR_PLAYS times. */
const PRIOR_PLAYS = 10;
const PRIOR_RATE = 0.3;

/** The viewer (reels/view-key.ts); null: an anonymous caller without a device id, who has no history. */
export type ForYouViewer = DeviceViewer | null;

/**
 * The best CANDIDATES reels for `viewer`, scored, leaving out what they completed in the last day,
 * anything they started in the last two hours, what they are not interested in, their own reels,
 * reels of accounts that block them, and `exclude` (what the pages before served).
 */
export async function rankForYou(db: RoutedDatabase, viewer: ForYouViewer, exclude: readonly string[]): Promise<Candidate[]> {
	const me = viewer?.userId ?? null;
	const key = viewer?.key ?? "";
	const { rows } = await db.read((q) =>
		q.execute<{ id: string; author_id: string; sources: string[]; score: number }>(sql`
			WITH hist AS (
			  SELECT pv.reel_id, pv.completed, pv.watched_ms, pv.ended_at, pv.started_at, r.author_id, r.hashtags, r.duration_ms
			  FROM playback_views pv JOIN reels r ON r.id = pv.reel_id
			  WHERE pv.viewer = ${key} AND pv.started_at > now() - interval '30 days'
			  ORDER BY pv.started_at DESC LIMIT 300),
			sig AS (
			  -- What each thing the viewer did says of a creator and a reel's hashtags: watch-through (loops up
			  -- to three times), more for completing, a quick skip against; a like, a comment, a share (more than a
			  -- like: passing a reel on says most); "not interested" hard against.
			  SELECT author_id, hashtags,
			         CASE WHEN NOT completed AND ended_at IS NOT NULL AND watched_ms < ${QUICK_SKIP_MS} THEN -1.0::float8
			              ELSE LEAST(watched_ms::float8 / GREATEST(COALESCE(duration_ms, 15000), 1000), 3) + CASE WHEN completed THEN 0.5 ELSE 0 END
			         END AS v
			  FROM hist
			  UNION ALL
			  (SELECT r.author_id, r.hashtags, 1.5 FROM likes l JOIN reels r ON r.id = l.reel_id
			   WHERE l.user_id = ${me}::uuid ORDER BY l.created_at DESC LIMIT 200)
			  UNION ALL
			  (SELECT r.author_id, r.hashtags, 1.0 FROM comments cm JOIN reels r ON r.id = cm.reel_id
			   WHERE cm.author_id = ${me}::uuid ORDER BY cm.id DESC LIMIT 200)
			  UNION ALL
			  (SELECT sh.author_id, sh.hashtags, 2.0 FROM reel_shares sh WHERE sh.viewer = ${key} ORDER BY sh.created_at DESC LIMIT 100)
			  UNION ALL
			  (SELECT n.author_id, n.hashtags, -5.0 FROM not_interested n WHERE n.viewer = ${key} ORDER BY n.created_at DESC LIMIT 200)),
			creators AS (SELECT author_id, sum(v) AS a FROM sig GROUP BY author_id),
			tags AS (SELECT tag, sum(v) AS a FROM sig CROSS JOIN unnest(hashtags) AS tag GROUP BY tag),
			-- The same as one object (tag → bounded affinity): each candidate looks its two or three tags up
			-- in it, where a subquery over the tags would scan them all once per candidate.
			tagmap AS (SELECT COALESCE(jsonb_object_agg(tag, tanh(a / 3)), '{}'::jsonb) AS m FROM tags),
			seen AS (
			  SELECT reel_id FROM playback_views
			  WHERE viewer = ${key} AND started_at > now() - interval '1 day' AND (completed OR started_at > now() - interval '2 hours')
			  UNION SELECT reel_id FROM not_interested WHERE viewer = ${key}
			  UNION SELECT unnest(${uuidArray(exclude)}::uuid[])),
			cand AS (
			  (SELECT r.id, 'following' AS src FROM follows f CROSS JOIN LATERAL (
			     SELECT r.id FROM reels r WHERE r.author_id = f.followee_id AND ${LISTED_TO_FOLLOWER} AND r.created_at > now() - interval '30 days'
			     ORDER BY r.id DESC LIMIT 10) r
			   WHERE f.follower_id = ${me}::uuid LIMIT 100)
			  UNION ALL
			  (SELECT r.id, 'creator' FROM (SELECT author_id FROM creators WHERE a > 0 ORDER BY a DESC LIMIT 12) c CROSS JOIN LATERAL (
			     SELECT r.id FROM reels r WHERE r.author_id = c.author_id AND ${VISIBLE} AND NOT EXISTS (SELECT 1 FROM seen WHERE seen.reel_id = r.id)
			     ORDER BY r.id DESC LIMIT 8) r)
			  UNION ALL
			  (SELECT r.id, 'hashtag' FROM (SELECT tag FROM tags WHERE a > 0 ORDER BY a DESC LIMIT 8) t CROSS JOIN LATERAL (
			     SELECT r.id FROM reel_hashtags h JOIN reels r ON r.id = h.reel_id
			     WHERE h.tag = t.tag AND ${VISIBLE} AND NOT EXISTS (SELECT 1 FROM seen WHERE seen.reel_id = r.id)
			     ORDER BY h.reel_id DESC LIMIT 12) r)
			  UNION ALL
			  -- The reels most of those peers completed, COWATCHED of them: the rest are one peer's taste, and
			  -- scoring every one (up to 2,000 rows) cost more than the whole of the other sources.
			  (SELECT co.reel_id, 'cowatched' FROM (
			     SELECT theirs.reel_id FROM (SELECT reel_id FROM hist WHERE completed LIMIT 10) mine
			     CROSS JOIN LATERAL (SELECT p.viewer FROM playback_views p WHERE p.reel_id = mine.reel_id AND p.completed AND p.counted
			                         AND p.viewer <> ${key} ORDER BY p.started_at DESC LIMIT 20) peer
			     CROSS JOIN LATERAL (SELECT p2.reel_id FROM playback_views p2 WHERE p2.viewer = peer.viewer AND p2.completed
			                         ORDER BY p2.started_at DESC LIMIT 10) theirs
			     GROUP BY theirs.reel_id ORDER BY count(*) DESC LIMIT ${COWATCHED}) co)
			  UNION ALL
			  (SELECT t.reel_id, 'trending' FROM trending_reels t WHERE t.epoch_id = (SELECT max(id) FROM trending_epochs) ORDER BY t.rank LIMIT 80)
			  UNION ALL
			  (SELECT r.id, 'fresh' FROM reels r LEFT JOIN reel_scores s ON s.reel_id = r.id
			   WHERE ${VISIBLE} AND r.created_at > now() - interval '3 days' AND COALESCE(s.plays, 0) < ${FRESH_PLAYS}
			   ORDER BY r.created_at DESC LIMIT 60)),
			pool AS (SELECT id, array_agg(DISTINCT src) AS sources FROM cand GROUP BY id)
			SELECT r.id, r.author_id, p.sources,
			  ( 3.0 * tanh(COALESCE(c.a, 0) / 3)
			  + 1.5 * GREATEST(-2, LEAST(2, COALESCE((SELECT sum((tm.m ->> h)::float8) FROM unnest(r.hashtags) AS h), 0)))
			  + CASE WHEN 'following' = ANY(p.sources) THEN 1.5 ELSE 0 END
			  + CASE WHEN 'cowatched' = ANY(p.sources) THEN 0.75 ELSE 0 END
			  -- Quality: completion among all viewers (smoothed toward the prior), less their quick skips.
			  + 4.0 * ((COALESCE(s.completions, 0) + ${PRIOR_RATE * PRIOR_PLAYS}::float8) / (COALESCE(s.plays, 0) + ${PRIOR_PLAYS}::float8)
			           - ${PRIOR_RATE}::float8)
			  - 2.0 * (COALESCE(s.quick_skips, 0)::float8 / (COALESCE(s.plays, 0) + ${PRIOR_PLAYS}::float8))
			  -- Passed on by its viewers' accounts: up to +2 for a reel one play in four ends in a share.
			  + 8.0 * LEAST(COALESCE(s.shares, 0)::float8 / (COALESCE(s.plays, 0) + ${PRIOR_PLAYS}::float8), 0.25)
			  + 0.5 * exp(-extract(epoch FROM now() - r.created_at) / (3 * 86400))
			  -- A little of each viewer's own chance, the same on every page, so equals are not always met in one order.
			  + 0.3 * ((hashtext(${key} || r.id::text) & 1023) / 1023.0)
			  )::float8 AS score
			FROM pool p JOIN reels r ON r.id = p.id CROSS JOIN tagmap tm
			LEFT JOIN creators c ON c.author_id = r.author_id
			LEFT JOIN reel_scores s ON s.reel_id = r.id
			WHERE NOT EXISTS (SELECT 1 FROM seen WHERE seen.reel_id = r.id)
			  AND ((${VISIBLE}) OR ('following' = ANY(p.sources) AND ${LISTED_TO_FOLLOWER}))
			  AND ${notBlockedBy(me)} AND r.author_id IS DISTINCT FROM ${me}::uuid
			ORDER BY score DESC LIMIT ${CANDIDATES}`),
	);
	return rows.map((r) => ({ id: r.id, authorId: r.author_id, sources: r.sources, score: Number(r.score) }));
}

/**
 * "Not interested" in `reelId`: recorded with its creator and hashtags, when `viewer` may see it
 * (false otherwise: 404 for the route). Saying it again changes nothing.
 */
/**
 * A share of `reelId` by `viewer` through `channel`: recorded with its creator and hashtags when the
 * viewer may see it (false otherwise: 404 for the route). Sharing again changes nothing.
 */
export async function recordShare(db: RoutedDatabase, viewer: DeviceViewer, reelId: string, channel: "link" | "embed" | "system") {
	const { rows } = await db.write((q) =>
		q.execute<{ id: string }>(sql`
			WITH target AS (SELECT r.id, r.author_id, r.hashtags FROM reels r WHERE r.id = ${reelId} AND ${PLAYABLE} AND ${canSee({ id: viewer.userId, admin: false })}),
			     ins AS (INSERT INTO reel_shares (viewer, reel_id, user_id, author_id, hashtags, channel)
			             SELECT ${viewer.key}, id, ${viewer.userId}::uuid, author_id, hashtags, ${channel} FROM target ON CONFLICT DO NOTHING)
			SELECT id FROM target`),
	);
	return rows.length > 0;
}

/** Undoes markNotInterested: the reel, its creator and its hashtags count as before. Idempotent; true when a mark went. */
export async function unmarkNotInterested(db: RoutedDatabase, viewer: DeviceViewer, reelId: string): Promise<boolean> {
	const { rows } = await db.write((q) =>
		q.execute<{ reel_id: string }>(sql`DELETE FROM not_interested WHERE viewer = ${viewer.key} AND reel_id = ${reelId} RETURNING reel_id`),
	);
	return rows.length > 0;
}

export async function markNotInterested(db: RoutedDatabase, viewer: DeviceViewer, reelId: string) {
	const { rows } = await db.write((q) =>
		q.execute<{ id: string }>(sql`
			WITH target AS (SELECT r.id, r.author_id, r.hashtags FROM reels r WHERE r.id = ${reelId} AND ${PLAYABLE} AND ${canSee({ id: viewer.userId, admin: false })}),
			     ins AS (INSERT INTO not_interested (viewer, reel_id, author_id, hashtags)
			             SELECT ${viewer.key}, id, author_id, hashtags FROM target ON CONFLICT DO NOTHING)
			SELECT id FROM target`),
	);
	return rows.length > 0;
}
