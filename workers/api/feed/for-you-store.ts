// The For You ranking: one replica round trip to for_you_candidates(), a plpgsql function
// (migration 0021) so each server connection plans the statement once; planned per request it
// cost as much as it took to run (docs/for-you.md). Where each signal lives:
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
import { type SQL, sql } from "drizzle-orm";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { canSee, PLAYABLE } from "../reels/reel-cards";
import type { DeviceViewer } from "../reels/view-key";
import type { Candidate } from "./for-you-page";

/** Ids (already validated as uuids) as one Postgres array parameter: drizzle would spread a JS array into a list. */
export const uuidArray = (ids: readonly string[]) => `{${ids.join(",")}}`;

/** A play ended before this, and not completed, was a quick skip: the strongest "no" (the ranking function says 2000 too). */
export const QUICK_SKIP_MS = 2_000;
/** How many scored candidates a page is picked from (the ranking function's LIMIT). */
export const CANDIDATES = 150;

/** The viewer (reels/view-key.ts); null: an anonymous caller without a device id, who has no history. */
export type ForYouViewer = DeviceViewer | null;

/**
 * The best CANDIDATES reels for `viewer`, scored, leaving out what they completed in the last day,
 * anything they started in the last two hours, what they are not interested in, their own reels,
 * reels of accounts that block them, and `exclude` (what the pages before served).
 */
export async function rankForYou(db: RoutedDatabase, viewer: ForYouViewer, exclude: readonly string[]): Promise<Candidate[]> {
	const { rows } = await db.read((q) =>
		q.execute<{ id: string; author_id: string; sources: string[]; score: number }>(
			sql`SELECT id, author_id, sources, score FROM for_you_candidates(${viewer?.key ?? ""}, ${viewer?.userId ?? null}::uuid, ${uuidArray(exclude)}::uuid[])`,
		),
	);
	return rows.map((r) => ({ id: r.id, authorId: r.author_id, sources: r.sources, score: Number(r.score) }));
}

/**
 * Runs `insert` (an INSERT … SELECT from `target`: the reel's id, author_id and hashtags) when
 * `viewer` may see `reelId`. True when they may (false: 404 for the route); saying it again changes nothing.
 */
async function noteOnVisibleReel(db: RoutedDatabase, viewer: DeviceViewer, reelId: string, insert: SQL): Promise<boolean> {
	const { rows } = await db.write((q) =>
		q.execute<{ id: string }>(sql`
			WITH target AS (SELECT r.id, r.author_id, r.hashtags FROM reels r WHERE r.id = ${reelId} AND ${PLAYABLE} AND ${canSee({ id: viewer.userId, admin: false })}),
			     ins AS (${insert} ON CONFLICT DO NOTHING)
			SELECT id FROM target`),
	);
	return rows.length > 0;
}

/** A share of `reelId` by `viewer` through `channel`, recorded with its creator and hashtags. */
export function recordShare(db: RoutedDatabase, viewer: DeviceViewer, reelId: string, channel: "link" | "embed" | "system") {
	return noteOnVisibleReel(
		db,
		viewer,
		reelId,
		sql`INSERT INTO reel_shares (viewer, reel_id, user_id, author_id, hashtags, channel)
		    SELECT ${viewer.key}, id, ${viewer.userId}::uuid, author_id, hashtags, ${channel} FROM target`,
	);
}

/** "Not interested" in `reelId`, recorded with its creator and hashtags. */
export function markNotInterested(db: RoutedDatabase, viewer: DeviceViewer, reelId: string) {
	return noteOnVisibleReel(
		db,
		viewer,
		reelId,
		sql`INSERT INTO not_interested (viewer, reel_id, author_id, hashtags) SELECT ${viewer.key}, id, author_id, hashtags FROM target`,
	);
}

/** Undoes markNotInterested: the reel, its creator and its hashtags count as before. Idempotent; true when a mark went. */
export async function unmarkNotInterested(db: RoutedDatabase, viewer: DeviceViewer, reelId: string): Promise<boolean> {
	const { rows } = await db.write((q) =>
		q.execute<{ reel_id: string }>(sql`DELETE FROM not_interested WHERE viewer = ${viewer.key} AND reel_id = ${reelId} RETURNING reel_id`),
	);
	return rows.length > 0;
}
