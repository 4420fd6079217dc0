// The link between a reel (Postgres) and its video (a D1 asset). A reel copies
// the video's state and playback URLs when it is created, and the transcode
// pipeline calls syncReelMedia when the video ends, so lists never read D1.

import { and, eq, sql } from "drizzle-orm";
import { cdnKeyFrom } from "../../cdn/cdn-key";
import { type VideoPlayback, videoPlayback } from "../../cdn/delivery/video-playback";
import { SIGNED_PREFIX } from "../../cdn/signing/media-url-signature";
import { spokenText } from "../../lib/media-db/caption-store";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";
import { isWatchable, type VideoStatus, videoStatusOf } from "../../lib/media-db/video-status";
import { type RoutedDatabase, withDatabase } from "../../lib/postgres/routed-database";
import { reelSearchVector } from "../../lib/postgres/schema";
import { HttpProblem } from "../../lib/problems/http-problem";
import { writeWithEvents } from "../../realtime/outbox";
import { emitMentions } from "./mentions";

export interface LinkedVideo {
	assetId: string;
	key: string;
	status: Exclude<VideoStatus, "uploading" | "failed">;
	playback: VideoPlayback | null;
	durationMs: number | null;
	/** What its caption tracks say (for search). */
	spoken: string;
}

const NOT_YOURS = () => new HttpProblem(404, "video_not_found", "No video of yours with that id or URL.");

/** `/cdn/<key>` or an absolute URL whose path is one: the R2 key, or a 400. */
function keyFromUrl(url: string): string {
	let path: string;
	try {
		path = new URL(url, "http://reels.invalid").pathname;
	} catch {
		throw new HttpProblem(400, "invalid_video_url", "video_url must be a /cdn/... URL of your video.");
	}
	if (!path.startsWith("/cdn/")) throw new HttpProblem(400, "invalid_video_url", "video_url must be a /cdn/... URL of your video.");
	// The signed form (/cdn/s/<token>/<key>) names the same file: the token is not needed to name it, only to read it.
	const rest = path.startsWith(SIGNED_PREFIX) ? path.slice(SIGNED_PREFIX.length).replace(/^[^/]*\//, "") : path.slice("/cdn/".length);
	return cdnKeyFrom(rest);
}

/** The caller's video, by id or by URL; 404 when it is not theirs, 422 when it failed. */
export async function linkVideo(env: Env, ownerId: string, by: { id: string } | { url: string }): Promise<LinkedVideo> {
	const db = mediaDb(env);
	const where = "id" in by ? eq(assets.id, by.id) : eq(assets.r2Key, keyFromUrl(by.url));
	const asset = await db.query.assets.findFirst({ where: and(where, eq(assets.ownerId, ownerId)) });
	if (!asset) throw NOT_YOURS();
	if (asset.kind !== "video") throw new HttpProblem(422, "not_a_video", "That upload is an image; reels need a video.");
	if (asset.status === "failed") {
		throw new HttpProblem(422, "video_failed", `That video could not be processed: ${asset.error ?? "unknown reason"}`);
	}
	if (asset.status === "uploading") throw new HttpProblem(409, "video_incomplete", "That upload has not finished yet.");
	const status = videoStatusOf(asset) as LinkedVideo["status"];
	return {
		assetId: asset.id,
		key: asset.r2Key,
		status,
		playback: isWatchable(status) ? await videoPlayback(db, asset.id) : null,
		durationMs: asset.durationMs,
		spoken: await spokenText(db, asset.id),
	};
}

export const playbackJson = (p: VideoPlayback) => ({
	hls: p.hls,
	dash: p.dash,
	thumbnail: p.thumbnail,
	poster: p.poster,
	storyboard: p.storyboard,
	preview: p.preview,
	captions: p.captions,
	renditions: p.renditions,
});

/**
 * Called by the transcode pipeline when a video becomes playable and when it
 * ends: reels on it take its state and, once watchable, are listed and
 * announce themselves to their author's followers (NEW_REEL, once per reel:
 * the dedupe key lets the `ready` call's repeat through to nobody). Idempotent.
 */
export async function syncReelMedia(env: Env, assetId: string): Promise<void> {
	const media = mediaDb(env);
	const asset = await media.query.assets.findFirst({
		where: eq(assets.id, assetId),
		columns: { status: true, playableAt: true, durationMs: true },
	});
	if (!asset) return;
	const status = videoStatusOf(asset);
	if (!isWatchable(status) && status !== "failed") return;
	const [playback, spoken] = isWatchable(status)
		? await Promise.all([videoPlayback(media, assetId).then(playbackJson), spokenText(media, assetId)])
		: [null, ""];
	await withDatabase(env, (db) =>
		writeWithEvents({ db, env }, async (tx, emit) => {
			const { rows } = await tx.execute<{ id: string; author_id: string; caption: string; announce: boolean }>(sql`
				UPDATE reels SET media_status = ${status}, playback = ${playback ? JSON.stringify(playback) : null}::jsonb,
					duration_ms = ${asset.durationMs}, spoken = ${spoken},
					search = ${reelSearchVector(sql`caption`, sql`array_to_string(hashtags, ' ')`, spoken)}, updated_at = now()
				WHERE video_asset_id = ${assetId} AND media_status <> ${status}
				RETURNING id, author_id, caption, (hidden_at IS NULL AND visibility = 'public') AS announce`);
			if (!isWatchable(status)) return;
			for (const reel of rows) {
				// Followers hear of public reels only, as when a reel is posted watchable (reel-store.ts).
				if (reel.announce) await emit(newReelEvent(reel.id, reel.author_id));
				await emitMentions(tx, emit, { text: reel.caption, authorId: reel.author_id, reelId: reel.id });
			}
		}),
	);
}

/**
 * After a change that leaves the video's state as it was (its caption tracks): the reel on it takes
 * its new playback URLs (once it has any: a reel not yet watchable takes them with its state,
 * syncReelMedia) and what the tracks say, for search.
 */
export async function refreshReelPlayback(env: Env, db: RoutedDatabase, assetId: string): Promise<void> {
	const media = mediaDb(env);
	const [playback, spoken] = await Promise.all([videoPlayback(media, assetId), spokenText(media, assetId)]);
	await db.write((q) =>
		q.execute(sql`
			UPDATE reels SET spoken = ${spoken}, search = ${reelSearchVector(sql`caption`, sql`array_to_string(hashtags, ' ')`, spoken)},
				playback = CASE WHEN playback IS NULL THEN NULL ELSE ${JSON.stringify(playbackJson(playback))}::jsonb END, updated_at = now()
			WHERE video_asset_id = ${assetId}`),
	);
}

export const newReelEvent = (reelId: string, authorId: string) => ({
	to: { followersOf: authorId },
	type: "NEW_REEL" as const,
	data: { reelId, authorId },
	dedupeKey: `new-reel:${reelId}`,
});
