// How a transcode ends, told to D1 and to the uploader. Each end state is a
// compare-and-set, so only one delivery moves an asset there, and each event
// carries a dedupe key, so re-telling it (after a crash between the two
// steps, or from a duplicate delivery) never reaches the uploader twice.
import { eq } from "drizzle-orm";
import { syncReelMedia } from "../api/reels/reel-media";
import { derivedPrefix } from "../cdn/cdn-key";
import { signedPlayback, videoPlayback } from "../cdn/delivery/video-playback";
import { markFailed, markPlayable, markReady, releaseBytes } from "../lib/media-db/asset-store";
import { deleteDerivedRows } from "../lib/media-db/derived-rows";
import type { MediaDb } from "../lib/media-db/media-db";
import { assets } from "../lib/media-db/schema";
import { withDatabase } from "../lib/postgres/routed-database";
import { deletePrefix } from "../lib/r2/delete-prefix";
import { publish } from "../realtime/publish";
import { announceToWebhooks, type WebhookEventType } from "../webhooks/webhook-events";
import { recordOutputs } from "./publish-outputs";
import type { ProgressiveOutputs, SourceTrim } from "./transcoder-client";
import { keptForTrimming, trimmableOf } from "./trimmable-originals";

/** What the uploader reads in `error` for each failure code. */
const REASONS: Record<string, string> = {
	unreadable_media: "The file is not a video we can read: it may be damaged or in an unsupported format.",
	no_video_stream: "The file has no video track.",
	zero_duration: "The video has no playable duration.",
	source_missing: "The uploaded file is no longer in storage; upload it again.",
	encode_failed: "The video could not be encoded: the file is probably damaged partway through.",
	no_video_frames: "The video track holds no frames.",
	too_many_frames: "The video holds more frames than its length allows (over 240 per second); export it again at a normal frame rate.",
	time_budget_exceeded: "Processing this video took too long, so it was stopped; export it again at a lower resolution or frame rate.",
	transcode_retries_exhausted: "Processing failed repeatedly; try uploading the video again.",
};

export function failureReason(code: string, transcoderMessage?: string): string {
	return (
		REASONS[code] ??
		(transcoderMessage ? `${transcoderMessage[0]?.toUpperCase()}${transcoderMessage.slice(1)}.` : `Processing failed (${code}).`)
	);
}

/**
 * The uploader's socket, and with `webhook` the owner's webhook endpoints: both deduplicated (the
 * event's key, the webhook event's id), so a retried job that re-tells an end reaches neither twice.
 */
async function tellUploader(
	env: Env,
	ownerId: string,
	event: Parameters<typeof publish>[3],
	dedupeKey?: string,
	webhook?: { type: WebhookEventType; subjectId: string; data: unknown },
) {
	await withDatabase(env, async (pg) => {
		await publish(env, pg, { userIds: [ownerId] }, event, { dedupeKey });
		if (webhook) await announceToWebhooks(env, pg, { ownerId, ...webhook });
	});
}

/**
 * Records that the video became watchable (its first segments and EVENT playlists are in R2):
 * the playlists, the HLS master and the ladder are listed in D1 first (recordOutputs), so `playable_at` never points at a video without
 * playback URLs, then the compare-and-set under this delivery's lease, then reels and the uploader
 * hear of it. A crash before the event is made good by the retry (announcePlayable, deduplicated).
 */
export async function finishPlayable(
	env: Env,
	db: MediaDb,
	asset: { id: string; ownerId: string },
	leaseOwner: string,
	{ prefix, published }: { prefix: string; published: ProgressiveOutputs },
): Promise<void> {
	const playlists = published.playlists.map((p) => ({ ...p, bytes: new TextEncoder().encode(p.text).byteLength }));
	await recordOutputs(db, asset.id, prefix, playlists, published.renditions);
	if (await markPlayable(db, asset.id, leaseOwner)) await announcePlayable(env, db, asset);
}

/** Safe to repeat (a retry after a crash): the dedupe key lets only the first PLAYABLE through. */
export async function announcePlayable(env: Env, db: MediaDb, asset: { id: string; ownerId: string }): Promise<void> {
	// Reels posted before the video was watchable take it now, and public ones are listed.
	await syncReelMedia(env, asset.id);
	const playback = await signedPlayback(env, await videoPlayback(db, asset.id));
	await tellUploader(
		env,
		asset.ownerId,
		{ type: "TRANSCODE_PLAYABLE", data: { assetId: asset.id, hls: playback.hls } },
		`transcode-playable:${asset.id}`,
		{ type: "video.playable", subjectId: asset.id, data: { id: asset.id, status: "playable", hls: playback.hls } },
	);
}

/** Marks the asset ready (only from `processing` under this delivery's lease) and tells the uploader once. */
export async function finishReady(env: Env, db: MediaDb, asset: { id: string; ownerId: string }, leaseOwner: string): Promise<void> {
	await markReady(db, asset.id, leaseOwner);
	await announceReady(env, db, asset);
}

/** Safe to repeat: the dedupe key lets only the first READY through. */
export async function announceReady(env: Env, db: MediaDb, asset: { id: string; ownerId: string }): Promise<void> {
	const row = await db.query.assets.findFirst({ where: eq(assets.id, asset.id), columns: { status: true, durationMs: true } });
	if (row?.status !== "ready") return;
	// Reels posted before the video was ready become public now.
	await syncReelMedia(env, asset.id);
	// Signed for the uploader: until a public reel shows it, the video is not public.
	const playback = await signedPlayback(env, await videoPlayback(db, asset.id));
	const ready = {
		hls: playback.hls,
		dash: playback.dash,
		thumbnail: playback.thumbnail,
		poster: playback.poster,
		duration: row.durationMs === null ? null : row.durationMs / 1000,
	};
	await tellUploader(
		env,
		asset.ownerId,
		{ type: "TRANSCODE_READY", data: { assetId: asset.id, ...ready } },
		`transcode-ready:${asset.id}`,
		{
			type: "video.ready",
			subjectId: asset.id,
			data: { id: asset.id, status: "ready", ...ready },
		},
	);
}

/**
 * A failed video keeps no bytes: whatever was uploaded (a valid signature followed by anything)
 * cannot be read back or kept as free hosting, and holds no room in the quota (storage-quota.ts).
 * Idempotent, so a retried announcement repeats it harmlessly.
 */
export async function dropFailedBytes(env: Env, db: MediaDb, asset: { id: string; r2Key: string }): Promise<void> {
	await env.MEDIA.delete(asset.r2Key);
	await dropDerivedFiles(env, db, asset);
	await releaseBytes(db, asset.id);
}

/** What a failed attempt made (segments, pictures, their rows), leaving the original. */
async function dropDerivedFiles(env: Env, db: MediaDb, asset: { id: string; r2Key: string }): Promise<void> {
	await deletePrefix(env.MEDIA, derivedPrefix(asset.r2Key));
	await deleteDerivedRows(db, asset.id);
}

/** Marks the asset failed unless it already reached an end state, then tells the uploader once. */
export async function finishFailed(
	env: Env,
	db: MediaDb,
	asset: { id: string; ownerId: string },
	code: string,
	error: string,
	trim?: SourceTrim,
): Promise<void> {
	await markFailed(db, asset.id, code, error, trim ? keptForTrimming(trim) : undefined);
	await announceFailed(env, db, asset);
}

export async function announceFailed(env: Env, db: MediaDb, asset: { id: string; ownerId: string }): Promise<void> {
	const row = await db.query.assets.findFirst({
		where: eq(assets.id, asset.id),
		columns: { status: true, error: true, errorCode: true, r2Key: true, trimUntil: true, trimMaxMs: true, durationMs: true },
	});
	if (row?.status !== "failed") return;
	const trim = trimmableOf(row);
	// Kept to be trimmed: only what the attempt made goes; the original stays (and counts) until the sweep.
	if (trim) await dropDerivedFiles(env, db, { id: asset.id, r2Key: row.r2Key });
	else await dropFailedBytes(env, db, { id: asset.id, r2Key: row.r2Key });
	await syncReelMedia(env, asset.id);
	await tellUploader(
		env,
		asset.ownerId,
		{ type: "TRANSCODE_FAILED", data: { assetId: asset.id, code: row.errorCode, error: row.error, ...(trim ? { trim } : {}) } },
		`transcode-failed:${asset.id}`,
		{
			type: "video.failed",
			subjectId: asset.id,
			data: {
				id: asset.id,
				status: "failed",
				error: { code: row.errorCode ?? "failed", message: row.error ?? "Processing failed." },
				...(trim ? { trim } : {}),
			},
		},
	);
}

/** Progress is a hint: the consumer logs a failure here and carries on. */
export async function tellProgress(env: Env, ownerId: string, assetId: string, progress: number): Promise<void> {
	await tellUploader(env, ownerId, { type: "TRANSCODE_PROGRESS", data: { assetId, progress } });
}
