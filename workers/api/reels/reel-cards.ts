// The one query shape every reel list uses: reels joined with their author
// and with the caller's like, in a single statement (no N+1), so a page of
// reels is one indexed query whatever its length.
import { type SQL, sql } from "drizzle-orm";
import type { CaptionLink } from "../../cdn/delivery/video-playback";
import type { Db } from "../../lib/postgres/routed-database";
import type { Reel } from "./reel-schemas";

/** Playable and not hidden. */
export const PLAYABLE = sql`r.media_status IN ('playable', 'ready') AND r.hidden_at IS NULL`;
/** Playable, not hidden and public: what lists (feeds, search, hashtags) show anyone. */
export const VISIBLE = sql`${PLAYABLE} AND r.visibility = 'public'`;

/** Who is looking: their id (null when anonymous) and whether they are an admin. */
export interface Viewer {
	id: string | null;
	admin: boolean;
}

/** Reels whose author has not blocked `viewerId` (none are hidden from anonymous viewers: they see public reels anyway). */
export function notBlockedBy(viewerId: string | SQL | null): SQL {
	if (!viewerId) return sql`true`;
	return sql`NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = r.author_id AND b.blocked_id = ${viewerId}::uuid)`;
}

/**
 * A followers-only reel opens to an approved follower of a private account only. On a public
 * account anyone may follow at once, so there "followers" would protect nothing: such reels
 * (posted before the account went public) are seen by their author alone until it is private again.
 */
const seenAsFollower = (viewerId: string | SQL) => sql`(r.visibility = 'followers' AND EXISTS (
	SELECT 1 FROM follows f JOIN users a ON a.id = f.followee_id
	WHERE f.follower_id = ${viewerId}::uuid AND f.followee_id = r.author_id AND a.private))`;

/**
 * Who may open one reel: anyone for public and unlisted reels (unlisted: whoever has the link),
 * approved followers of a private account for followers-only ones, nobody the author blocked,
 * its author whatever its state (hidden, private, not ready), and admins always. The viewer's id
 * may be a column (`sql\`u.id\``) to ask it of many accounts at once (mentions.ts).
 */
export function canSee(viewer: { id: string | SQL | null; admin: boolean }): SQL {
	if (viewer.admin) return sql`true`;
	if (!viewer.id) return sql`(${PLAYABLE} AND r.visibility IN ('public', 'unlisted'))`;
	return sql`((${PLAYABLE} AND ${notBlockedBy(viewer.id)} AND (r.visibility IN ('public', 'unlisted') OR ${seenAsFollower(viewer.id)}))
		OR r.author_id = ${viewer.id}::uuid)`;
}

/**
 * What a profile lists to the viewer: like canSee, but never unlisted reels (they are reached by
 * their link alone, listed nowhere, not even to followers), except in the author's own profile.
 */
export function canList(viewer: Viewer): SQL {
	if (viewer.admin) return sql`true`;
	if (!viewer.id) return VISIBLE;
	return sql`((${PLAYABLE} AND ${notBlockedBy(viewer.id)} AND (r.visibility = 'public' OR ${seenAsFollower(viewer.id)}))
		OR r.author_id = ${viewer.id}::uuid)`;
}

/** What the feed's followed stream shows a follower: public reels, and followers-only ones of private accounts. */
export const LISTED_TO_FOLLOWER = sql`${PLAYABLE} AND (r.visibility = 'public' OR (r.visibility = 'followers' AND EXISTS (
	SELECT 1 FROM users a WHERE a.id = r.author_id AND a.private)))`;

export interface ReelRow extends Record<string, unknown> {
	id: string;
	caption: string;
	hashtags: string[];
	media_status: Reel["video"]["status"];
	visibility: Reel["visibility"];
	playback: {
		hls?: string;
		dash?: string;
		thumbnail?: string;
		poster?: string;
		storyboard?: string;
		preview?: string;
		captions?: CaptionLink[];
	} | null;
	duration_ms: number | null;
	video_asset_id: string;
	like_count: number;
	comment_count: number;
	view_count: number;
	hidden_at: Date | null;
	created_at: Date;
	author_id: string;
	author_name: string;
	author_handle: string;
	liked: boolean;
	/** The counts now: the reel's folded columns plus its shard rows (api/reels/counter-shards.ts). */
	likes_now: number;
	comments_now: number;
	views_now: number;
}

export interface ReelsQuery {
	me: string | null;
	where: SQL;
	orderBy: SQL;
	outerOrderBy?: SQL;
	limit: number;
	from?: SQL;
	extra?: SQL;
}

/**
 * The page is chosen first (an inner query that the planner can serve from
 * one index in order, LIMIT included), then joined with authors and the
 * caller's likes: joining first made Postgres sort every visible reel.
 * `from` and `where` see the reels as `r`; `orderBy` is applied inside,
 * `outerOrderBy` (default: the same) to the joined page, where the inner
 * query's columns are `r.<name>`.
 */
export function reelsQuery({ me, where, orderBy, outerOrderBy = orderBy, limit, from = sql`reels r`, extra = sql`` }: ReelsQuery): SQL {
	return sql`
		SELECT r.*, u.name AS author_name, u.handle AS author_handle, (l.user_id IS NOT NULL) AS liked,
		       (r.like_count + COALESCE(sh.likes, 0))::int AS likes_now,
		       (r.comment_count + COALESCE(sh.comments, 0))::int AS comments_now,
		       (r.view_count + COALESCE(sh.views, 0))::int AS views_now
		FROM (
			SELECT ${extra} r.id, r.caption, r.hashtags, r.media_status, r.visibility, r.playback, r.duration_ms, r.video_asset_id,
			       r.like_count, r.comment_count, r.view_count, r.hidden_at, r.created_at, r.author_id
			FROM ${from}
			WHERE ${where}
			ORDER BY ${orderBy}
			LIMIT ${limit}
		) r
		JOIN users u ON u.id = r.author_id
		LEFT JOIN likes l ON l.reel_id = r.id AND l.user_id = ${me}::uuid
		-- The counts' unfolded part (api/reels/counter-shards.ts): at most 16 rows a reel, by primary key.
		LEFT JOIN LATERAL (SELECT sum(s.likes) AS likes, sum(s.comments) AS comments, sum(s.views) AS views
		                   FROM reel_counter_shards s WHERE s.reel_id = r.id) sh ON true
		ORDER BY ${outerOrderBy}`;
}

export async function selectReels(q: Db, query: ReelsQuery): Promise<ReelRow[]> {
	const { rows } = await q.execute<ReelRow>(reelsQuery(query));
	return rows;
}

export function toReel(r: ReelRow): Reel {
	const p = r.playback ?? {};
	return {
		id: r.id,
		caption: r.caption,
		hashtags: r.hashtags,
		author: { id: r.author_id, name: r.author_name, handle: r.author_handle },
		video: {
			id: r.video_asset_id,
			status: r.media_status,
			hls: p.hls ?? null,
			dash: p.dash ?? null,
			thumbnail: p.thumbnail ?? null,
			poster: p.poster ?? null,
			storyboard: p.storyboard ?? null,
			preview: p.preview ?? null,
			captions: p.captions ?? [],
			duration: r.duration_ms === null ? null : r.duration_ms / 1000,
		},
		likeCount: r.likes_now,
		commentCount: r.comments_now,
		viewCount: r.views_now,
		liked: r.liked,
		hidden: r.hidden_at !== null,
		visibility: r.visibility,
		createdAt: new Date(r.created_at).toISOString(),
	};
}
