// Clipping, like Cloudflare Stream's: POST /api/videos/:id/clip {start, end} makes a range of one of
// the caller's ready videos into a video of its own. The transcoder cuts the range frame-accurately
// from the parent's original (a re-encode, not rounded to segments), then makes the clip's ladder
// from that cut, and hands the cut back as the clip's own original: once ready, the clip stands
// alone (deleting the parent leaves it playing). It counts against the storage quota like an upload.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq, ne, sql } from "drizzle-orm";
import { cdnUrl, originalKeyFor } from "../../cdn/cdn-key";
import { reserveAsset } from "../../cdn/upload/storage-quota";
import { VideoAcceptedSchema } from "../../cdn/upload/upload-routes";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { configOf } from "../../lib/config/config";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { uuidv7 } from "../../lib/ids/uuidv7";
import { deleteAssetRow, queueClip } from "../../lib/media-db/asset-store";
import { type MediaDb, mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { HttpProblem, tooManyRequests } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { enqueueTranscode } from "../../queue/enqueue-transcode";
import { trimmableOf } from "../../transcoder/trimmable-originals";
import { announceVideoCreated } from "../../webhooks/webhook-events";
import { ownVideo, readyVideo } from "./own-video";

/** Under half a second there is nothing to watch (the transcoder refuses it too: transcode-container/src/clip.ts). */
const MIN_CLIP_SECONDS = 0.5;

export const ClipSchema = z
	.strictObject({
		start: z.number().min(0).openapi({ description: "Seconds from the video's start", example: 2 }),
		end: z.number().positive().openapi({ description: "Seconds from the video's start, after `start`", example: 9.5 }),
		title: z.string().max(200).optional(),
		caption: z.string().max(2200).optional(),
	})
	.openapi("ClipVideo");

const ClipAcceptedSchema = VideoAcceptedSchema.extend({
	status: z.enum(["queued", "processing", "ready"]).openapi({ description: "A range asked again answers the clip already made of it" }),
}).openapi("ClipAccepted");

const clipVideo = apiRoute({
	method: "post",
	path: "/api/videos/{id}/clip",
	tags: ["videos"],
	summary: "Makes a range of one of your ready videos into a video of its own",
	description:
		"Frame-accurate: the clip's length is within one frame of `end − start` and its audio in sync (a re-encode of the range, not segment-rounded). 202 with the new video's id; it is transcoded like an upload (poll its status or hear TRANSCODE_READY). The parent must be ready (409), or refused as `too_long` with its original still kept (its status's `trim`: then the range lasts at most `trim.maxSeconds`, 422 clip_too_long), and the range within it (422 time_past_end). Counts against your storage quota (413).",
	...signedIn(jsonBody()),
	request: {
		params: z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) }),
		body: { ...jsonContent(ClipSchema), required: true },
	},
	responses: {
		202: { description: "Queued, or the clip of this range already made or being made", ...jsonContent(ClipAcceptedSchema) },
		...problemResponses(400, 401, 404, 409, 413, 415, 422, 429),
	},
});

/** Clips an account may ask for an hour: each is a transcode that reads the whole parent. */
const CLIPS_PER_HOUR = 20;
/** The least room a clip holds while it is made, whatever its share of the parent. */
const MIN_RESERVED_BYTES = 8 * 1024 * 1024;

/** Times are whole milliseconds here, in the database and on the transcoder: one rounding, everywhere. */
const ms = (seconds: number) => Math.round(seconds * 1000);

const clipOfRange = (db: MediaDb, ownerId: string, parentId: string, startMs: number, endMs: number) =>
	db.query.assets.findFirst({
		where: and(
			eq(assets.ownerId, ownerId),
			eq(assets.clipOf, parentId),
			eq(assets.clipStartMs, startMs),
			eq(assets.clipEndMs, endMs),
			ne(assets.status, "failed"),
		),
		columns: { id: true, r2Key: true, status: true },
	});

/**
 * Whether any reel on the video, or on a clip of it, is hidden pending review: it may not be
 * re-posted as a clip meanwhile (a too-long video's reels are all on its clips, never on it).
 */
async function underReview(env: Env, pg: RoutedDatabase, videoId: string): Promise<boolean> {
	const clips = await mediaDb(env).select({ id: assets.id }).from(assets).where(eq(assets.clipOf, videoId)).limit(500);
	const videos = `{${[videoId, ...clips.map((c) => c.id)].join(",")}}`;
	// On the primary: a reel hidden a moment ago must already count.
	const { rows } = await pg.write((q) =>
		q.execute<{ one: number }>(
			sql`SELECT 1 AS one FROM reels WHERE video_asset_id = ANY(${videos}::uuid[]) AND hidden_at IS NOT NULL LIMIT 1`,
		),
	);
	return rows.length > 0;
}

/**
 * The caller's clip of `parentId` from `start` to `end` (seconds, kept to the millisecond): queued for
 * the transcoder, or the one already made or being made of that range (a failed one is made again).
 * 404 for anyone else's video, 409 until it is ready (or when its reel is under review, or it has no
 * original to cut from), 422 past its end, 413 past the storage quota, 429 past CLIPS_PER_HOUR.
 */
export async function makeClip(
	env: Env,
	pg: RoutedDatabase,
	ownerId: string,
	parentId: string,
	range: { start: number; end: number; title?: string | undefined; caption?: string | undefined },
): Promise<{ id: string; key: string; status: string; created: boolean }> {
	const db = mediaDb(env);
	const parent = await ownVideo(env, ownerId, parentId);
	// The same range asked again answers the clip made of it, whatever the parent became since.
	const asked = await clipOfRange(db, ownerId, parentId, ms(range.start), ms(range.end));
	if (asked) return { id: asked.id, key: asked.r2Key, status: asked.status, created: false };
	// A video refused as too long can still be trimmed to fit while its original is kept (trimmable-originals.ts).
	const trimmable = trimmableOf(parent);
	const video = trimmable && parent.durationMs !== null ? { durationMs: parent.durationMs } : readyVideo(parent, "A clip");
	const startMs = ms(range.start);
	// A browser may read the file as a few milliseconds longer than the server did: an end that close is the end.
	if (ms(range.end) > video.durationMs + 100) {
		throw new HttpProblem(422, "time_past_end", `The video is ${video.durationMs / 1000} s long; the clip must end within it.`);
	}
	const endMs = Math.min(ms(range.end), video.durationMs);
	if (endMs - startMs < MIN_CLIP_SECONDS * 1000) {
		throw new HttpProblem(422, "clip_too_short", `A clip lasts at least ${MIN_CLIP_SECONDS} s.`);
	}
	if (trimmable && endMs - startMs > trimmable.maxSeconds * 1000) {
		throw new HttpProblem(
			422,
			"clip_too_long",
			`The video is too long to post whole; a clip of it lasts at most ${trimmable.maxSeconds} s.`,
		);
	}
	// An end a little past the video's was clamped to it: that range may have its clip too.
	const existing = endMs === ms(range.end) ? undefined : await clipOfRange(db, ownerId, parentId, startMs, endMs);
	if (existing) return { id: existing.id, key: existing.r2Key, status: existing.status, created: false };
	if (await underReview(env, pg, parentId)) {
		throw new HttpProblem(409, "video_under_review", "A reel on this video is hidden pending review; it cannot be clipped meanwhile.");
	}
	// A live recording is played from its live segments and has no original file to cut from.
	if (!(await env.MEDIA.head(parent.r2Key))) throw new HttpProblem(409, "video_not_ready", "This video has no original to clip from.");
	const taken = await env.RATE_LIMITER.getByName(`clips:${ownerId}`).take({ limit: CLIPS_PER_HOUR, periodSeconds: 3600 });
	if (!taken.allowed) {
		throw tooManyRequests(
			"rate_limited",
			`At most ${CLIPS_PER_HOUR} clips an hour; try again in ${taken.retryAfterSeconds}s.`,
			taken.retryAfterSeconds,
		);
	}
	const id = uuidv7();
	const key = originalKeyFor(id, "mp4");
	// Room held until the cut is made (then settled to its real size, publish-outputs.ts): the range's
	// share of the parent, twice over since the cut is encoded near-transparently, and never less than 8 MiB.
	const share = Math.ceil((2 * parent.bytes * (endMs - startMs)) / video.durationMs);
	const bytes = Math.min(Math.max(share, MIN_RESERVED_BYTES), configOf(env).UPLOAD_MAX_VIDEO_BYTES);
	await reserveAsset(env, { id, ownerId, kind: "video", r2Key: key, contentType: "video/mp4", access: "signed", bytes });
	try {
		await queueClip(db, id, {
			width: parent.width,
			height: parent.height,
			title: range.title ?? null,
			caption: range.caption ?? null,
			clipOf: parentId,
			clipStartMs: startMs,
			clipEndMs: endMs,
		});
	} catch (err) {
		// The same range asked twice at once: the other request's clip is the one (assets_clip_range is unique).
		await deleteAssetRow(db, id);
		const winner = await clipOfRange(db, ownerId, parentId, startMs, endMs);
		if (winner) return { id: winner.id, key: winner.r2Key, status: winner.status, created: false };
		throw err;
	}
	try {
		await announceVideoCreated(env, { id, ownerId, bytes, title: range.title });
		await enqueueTranscode(env, {
			assetId: id,
			sourceKey: parent.r2Key,
			clip: { start: startMs / 1000, end: endMs / 1000 },
			// The parent's own limit (a direct upload's may be lower than the transcoder's): the transcoder holds the range to it too.
			...(trimmable ? { maxSeconds: trimmable.maxSeconds } : {}),
		});
	} catch (err) {
		// Never a clip that waits for ever: without its job queued, it is not kept (the caller may ask again).
		await deleteAssetRow(db, id);
		throw err;
	}
	return { id, key, status: "queued", created: true };
}

export const clipRoutes = new OpenAPIHono<AppEnv>().openapi(clipVideo, async (c) => {
	const { id: parentId } = c.req.valid("param");
	const { title, caption, ...range } = c.req.valid("json");
	const { id, key, status } = await makeClip(c.env, c.var.db, c.var.auth.sub, parentId, { ...range, title, caption });
	return c.json(
		{
			id,
			status: status === "ready" || status === "processing" ? status : ("queued" as const),
			statusUrl: `/api/videos/${id}/status`,
			fileUrl: cdnUrl(key),
			title: title ?? null,
			caption: caption ?? null,
		},
		202,
	);
});
