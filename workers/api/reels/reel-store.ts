// Reels in Postgres: who may see which, reading one or a page, and writing
// them. Routes call these; no route holds SQL of its own.

import { eq, sql } from "drizzle-orm";
import { isWatchable } from "../../lib/media-db/video-status";
import type { Db, RoutedDatabase } from "../../lib/postgres/routed-database";
import { moderatedVideos, type REEL_VISIBILITIES, reelSearchVector, reels } from "../../lib/postgres/schema";
import { HttpProblem } from "../../lib/problems/http-problem";
import type { Emit } from "../../realtime/outbox";
import { emitMentions } from "./mentions";
import { canList, canSee, notBlockedBy, type ReelRow, selectReels, VISIBLE, type Viewer } from "./reel-cards";
import type { LinkedVideo } from "./reel-media";
import { newReelEvent, playbackJson } from "./reel-media";
import { hashtagsOf } from "./reel-schemas";

export type { Viewer } from "./reel-cards";

export type ReelVisibility = (typeof REEL_VISIBILITIES)[number];

export const reelNotFound = () => new HttpProblem(404, "reel_not_found", "No reel with that id.");

export { canSee } from "./reel-cards";

/**
 * A caption and what derives from it, written together so they never disagree: its hashtags and
 * the search vector, over `spoken` (the video's caption tracks) or, when absent, the reel's own.
 */
function captionColumns(caption: string, spoken?: string) {
	const hashtags = hashtagsOf(caption);
	return { caption, hashtags, search: reelSearchVector(caption, hashtags.join(" "), spoken ?? sql`${reels.spoken}`) };
}

/**
 * One reel as the viewer may see it, or 404. By id: a replica miss on an id
 * made moments ago is asked of the primary (read-your-writes without a token);
 * `primary` reads there directly (right after a write in the same request).
 */
export async function reelById(db: RoutedDatabase, viewer: Viewer, id: string, { primary = false } = {}): Promise<ReelRow> {
	const one = async (q: Db) =>
		(await selectReels(q, { me: viewer.id, where: sql`r.id = ${id} AND ${canSee(viewer)}`, orderBy: sql`r.id`, limit: 1 }))[0];
	const row = primary ? await db.readFromPrimary(one) : await db.readById(id, one);
	if (!row) throw reelNotFound();
	return row;
}

/** Public reels, newest first, `limit + 1` of them (see pageOf) from before `beforeId`. */
export const publicReels = (db: RoutedDatabase, viewer: Viewer, beforeId: string | null, limit: number) =>
	db.read((q) =>
		selectReels(q, {
			me: viewer.id,
			where: sql`${VISIBLE} AND ${notBlockedBy(viewer.id)} ${beforeId ? sql`AND r.id < ${beforeId}::uuid` : sql``}`,
			orderBy: sql`r.id DESC`,
			limit: limit + 1,
		}),
	);

/** One creator's reels the viewer may see listed (canList), newest first, `limit + 1` of them. */
export const reelsByAuthor = (db: RoutedDatabase, viewer: Viewer, authorId: string, beforeId: string | null, limit: number) =>
	db.read((q) =>
		selectReels(q, {
			me: viewer.id,
			where: sql`r.author_id = ${authorId}::uuid AND ${canList(viewer)} ${beforeId ? sql`AND r.id < ${beforeId}::uuid` : sql``}`,
			orderBy: sql`r.id DESC`,
			limit: limit + 1,
		}),
	);

/**
 * Inserts the reel for `video` unless that video already is one (idempotent per
 * video); announces it to followers when its video is already ready.
 */
export async function insertReel(
	tx: Db,
	emit: Emit,
	{
		id,
		authorId,
		video,
		caption,
		visibility,
	}: { id: string; authorId: string; video: LinkedVideo; caption: string; visibility: ReelVisibility },
): Promise<{ id: string; created: boolean }> {
	await refuseModeratedVideo(tx, video.assetId);
	if (visibility === "followers") await assertPrivateAccount(tx, authorId);
	const [row] = await tx
		.insert(reels)
		.values({
			id,
			authorId,
			videoAssetId: video.assetId,
			videoKey: video.key,
			visibility,
			...captionColumns(caption, video.spoken),
			spoken: video.spoken,
			mediaStatus: video.status,
			playback: video.playback ? playbackJson(video.playback) : null,
			durationMs: video.durationMs,
		})
		.onConflictDoNothing({ target: reels.videoAssetId })
		.returning({ id: reels.id });
	if (!row) {
		const [existing] = await tx.select({ id: reels.id }).from(reels).where(eq(reels.videoAssetId, video.assetId));
		if (!existing) throw new Error("a conflicting reel vanished");
		return { id: existing.id, created: false };
	}
	// Followers hear of public reels only: the others are not theirs to discover.
	if (isWatchable(video.status) && visibility === "public") await emit(newReelEvent(row.id, authorId));
	if (isWatchable(video.status)) await emitMentions(tx, emit, { text: caption, authorId, reelId: row.id });
	return { id: row.id, created: true };
}

/**
 * An account whose email is not verified may have `max` reels (this video's aside, so posting it
 * again stays idempotent), then 403 `email_unverified`. A throwaway account costs nothing to make
 * and a verified address is what ties an account to a person; a few reels let a newcomer post
 * before opening their mail. The row lock makes parallel posts count one after another.
 */
export async function assertMayPost(q: Db, authorId: string, videoAssetId: string, max: number): Promise<void> {
	const first = await q.execute<{ verified: boolean }>(
		sql`SELECT email_verified_at IS NOT NULL AS verified FROM users WHERE id = ${authorId}`,
	);
	if (first.rows[0]?.verified) return;
	await q.execute(sql`SELECT 1 FROM users WHERE id = ${authorId} FOR UPDATE`);
	const { rows } = await q.execute<{ n: number }>(
		sql`SELECT count(*)::int AS n FROM reels WHERE author_id = ${authorId} AND video_asset_id <> ${videoAssetId}`,
	);
	if ((rows[0]?.n ?? 0) >= max) {
		throw new HttpProblem(
			403,
			"email_unverified",
			`Verify your email to post more than ${max} reels: follow the link we mailed you (Settings can send another).`,
		);
	}
}

/**
 * "Followers only" needs a private account: on a public one anyone may follow at once, so it
 * would protect nothing (reel-cards.ts). 400 otherwise.
 */
export async function assertPrivateAccount(q: Db, authorId: string): Promise<void> {
	const { rows } = await q.execute<{ private: boolean }>(sql`SELECT private FROM users WHERE id = ${authorId}`);
	if (!rows[0]?.private) {
		throw new HttpProblem(
			400,
			"followers_need_private_account",
			'Followers-only reels need a private account (PATCH /api/users/me {"private": true}): on a public account anyone can follow at once.',
		);
	}
}

/**
 * Changes a reel's caption or visibility. A new caption of a watchable reel tells the people it
 * newly mentions (those its old caption named were told already: the inbox's dedupe key is per reel
 * and person, so they are not told twice).
 */
export async function updateReel(
	tx: Db,
	emit: Emit,
	id: string,
	authorId: string,
	change: { caption?: string; visibility?: ReelVisibility },
): Promise<void> {
	if (change.visibility === "followers") await assertPrivateAccount(tx, authorId);
	const [row] = await tx
		.update(reels)
		.set({
			...(change.caption !== undefined ? captionColumns(change.caption) : {}),
			...(change.visibility !== undefined ? { visibility: change.visibility } : {}),
			updatedAt: new Date(),
		})
		.where(eq(reels.id, id))
		.returning({ mediaStatus: reels.mediaStatus });
	if (row && change.caption !== undefined && isWatchable(row.mediaStatus)) {
		await emitMentions(tx, emit, { text: change.caption, authorId, reelId: id });
	}
}

/**
 * Deletes a reel. A moderator's delete, or the author's delete of a reel that is
 * hidden, takes its video down for good (moderated_videos): posting it again is
 * refused, so deleting a hidden reel cannot launder it back to public.
 */
export const deleteReel = (tx: Db, id: string, { byModerator }: { byModerator: boolean }) =>
	tx.execute(sql`
		WITH gone AS (DELETE FROM reels WHERE id = ${id} RETURNING video_asset_id, author_id, hidden_at)
		INSERT INTO moderated_videos (video_asset_id, author_id, reason)
		SELECT video_asset_id, author_id, CASE WHEN ${byModerator} THEN 'removed_by_moderator' ELSE 'deleted_while_hidden' END
		FROM gone WHERE ${byModerator} OR hidden_at IS NOT NULL
		ON CONFLICT DO NOTHING`);

/** 403 when `videoAssetId` was taken down by moderation (see deleteReel). */
export async function refuseModeratedVideo(tx: Db, videoAssetId: string): Promise<void> {
	const [row] = await tx
		.select({ reason: moderatedVideos.reason })
		.from(moderatedVideos)
		.where(eq(moderatedVideos.videoAssetId, videoAssetId));
	if (row) throw new HttpProblem(403, "video_moderated", "This video was taken down by moderation and cannot be posted again.");
}
