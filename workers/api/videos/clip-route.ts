// Clipping, like Cloudflare Stream's: POST /api/videos/:id/clip {start, end} makes a range of one of
// the caller's ready videos into a video of its own. The transcoder cuts the range frame-accurately
// from the parent's original (a re-encode, not rounded to segments), then makes the clip's ladder
// from that cut, and hands the cut back as the clip's own original: once ready, the clip stands
// alone (deleting the parent leaves it playing). It counts against the storage quota like an upload.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { cdnUrl, originalKeyFor } from "../../cdn/cdn-key";
import { reserveAsset } from "../../cdn/upload/storage-quota";
import { VideoAcceptedSchema } from "../../cdn/upload/upload-routes";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { configOf } from "../../lib/config/config";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { settleUpload } from "../../lib/media-db/asset-store";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { enqueueTranscode } from "../../queue/enqueue-transcode";
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
	.refine((c) => c.end - c.start >= MIN_CLIP_SECONDS, { message: `a clip lasts at least ${MIN_CLIP_SECONDS} s`, path: ["end"] })
	.openapi("ClipVideo");

const clipVideo = apiRoute({
	method: "post",
	path: "/api/videos/{id}/clip",
	tags: ["videos"],
	summary: "Makes a range of one of your ready videos into a video of its own",
	description:
		"Frame-accurate: the clip's length is within one frame of `end − start` and its audio in sync (a re-encode of the range, not segment-rounded). 202 with the new video's id; it is transcoded like an upload (poll its status or hear TRANSCODE_READY). The parent must be ready (409) and the range within it (422 time_past_end). Counts against your storage quota (413).",
	...signedIn(jsonBody()),
	request: {
		params: z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) }),
		body: { ...jsonContent(ClipSchema), required: true },
	},
	responses: {
		202: { description: "Queued", ...jsonContent(VideoAcceptedSchema) },
		...problemResponses(400, 401, 404, 409, 413, 422),
	},
});

/**
 * The clip of one range of one video always has the same id (a UUIDv8 of a hash of the two), so a
 * client that retries, or posts a reel with the same clip again, gets the same video, not another.
 */
async function clipIdOf(parentId: string, start: number, end: number): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`clip:${parentId}:${start}:${end}`)));
	const b = digest.slice(0, 16);
	b[6] = ((b[6] as number) & 0x0f) | 0x80; // version 8 (RFC 9562: custom)
	b[8] = ((b[8] as number) & 0x3f) | 0x80; // the RFC's variant
	const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The caller's clip of `parentId` from `start` to `end`: queued for the transcoder, or the one
 * already made or making. 404 for anyone else's video, 409 until it is ready, 422 past its end,
 * 413 past the storage quota.
 */
export async function makeClip(
	env: Env,
	ownerId: string,
	parentId: string,
	{ start, end, title, caption }: { start: number; end: number; title?: string | undefined; caption?: string | undefined },
): Promise<{ id: string; key: string; created: boolean }> {
	const parent = await ownVideo(env, ownerId, parentId);
	const video = readyVideo(parent, "A clip");
	if (end > video.durationMs / 1000) {
		throw new HttpProblem(422, "time_past_end", `The video is ${video.durationMs / 1000} s long; the clip must end within it.`);
	}
	const id = await clipIdOf(parentId, start, end);
	const existing = await mediaDb(env).query.assets.findFirst({ where: eq(assets.id, id), columns: { r2Key: true, ownerId: true } });
	if (existing?.ownerId === ownerId) return { id, key: existing.r2Key, created: false };
	const key = originalKeyFor(id, "mp4");
	// Room held until the cut is made (then settled to its real size, publish-outputs.ts): the range's
	// share of the parent, twice over, since the cut is encoded near-transparently.
	const share = Math.ceil((2 * parent.bytes * (end - start)) / (video.durationMs / 1000));
	const bytes = Math.min(share, configOf(env).UPLOAD_MAX_VIDEO_BYTES);
	await reserveAsset(env, { id, ownerId, kind: "video", r2Key: key, contentType: "video/mp4", access: "signed", bytes });
	await settleUpload(mediaDb(env), id, {
		kind: "video",
		bytes,
		checksum: null,
		width: parent.width,
		height: parent.height,
		title: title ?? null,
		caption: caption ?? null,
	});
	await announceVideoCreated(env, { id, ownerId, bytes, title });
	await enqueueTranscode(env, { assetId: id, sourceKey: parent.r2Key, clip: { start, end } });
	return { id, key, created: true };
}

export const clipRoutes = new OpenAPIHono<AppEnv>().openapi(clipVideo, async (c) => {
	const { id: parentId } = c.req.valid("param");
	const { title, caption, ...range } = c.req.valid("json");
	const { id, key } = await makeClip(c.env, c.var.auth.sub, parentId, { ...range, title, caption });
	return c.json(
		{
			id,
			status: "queued" as const,
			statusUrl: `/api/videos/${id}/status`,
			fileUrl: cdnUrl(key),
			title: title ?? null,
			caption: caption ?? null,
		},
		202,
	);
});
