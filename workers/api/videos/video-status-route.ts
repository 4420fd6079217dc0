import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { signedPlayback, type VideoPlayback, videoPlayback } from "../../cdn/delivery/video-playback";
import { signedMediaUrl } from "../../cdn/signing/media-url-signature";
import { findSession } from "../../cdn/tus/upload-session-store";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { configOf } from "../../lib/config/config";
import { jsonContent } from "../../lib/http/json-content";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets, type DirectUpload, directUploads } from "../../lib/media-db/schema";
import { isWatchable, videoStatuses, videoStatusOf } from "../../lib/media-db/video-status";
import { trimmableOf } from "../../transcoder/trimmable-originals";
import { CaptionLinkSchema } from "../reels/reel-schemas";

/** What the API shows: a stored video's status, or `pending_upload` for a direct upload URL that has not started its upload. */
const apiVideoStatuses = ["pending_upload", ...videoStatuses] as const;
type ApiVideoStatus = (typeof apiVideoStatuses)[number];

import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";

const cdnPath = z.string().openapi({ example: "/cdn/2026/11/22/0190f1c4-6f1a-7c3e-9d2b-5b8e0c1a2b3c/hls/master.m3u8" });

const VideoStatusSchema = z
	.object({
		id: z.uuid(),
		status: z.enum(apiVideoStatuses).openapi({
			description:
				"`pending_upload`: a direct upload URL waits for its upload; `playable`: the first seconds are published as HLS (an EVENT playlist that grows) while the rest is encoded; `dash`, pictures and storyboard come with `ready`",
		}),
		progress: z.number().min(0).max(1).openapi({ description: "Share of the source transcoded so far (1 once ready)" }),
		renditions: z
			.array(
				z.object({
					width: z.number().int(),
					height: z.number().int(),
					bandwidth: z.number().int().openapi({ description: "Peak bits per second, as the HLS master playlist advertises it" }),
					codecs: z.string(),
					playlist: cdnPath,
				}),
			)
			.openapi({ description: "Highest first; empty until playable" }),
		hls: cdnPath.nullable(),
		dash: cdnPath.nullable(),
		thumbnail: cdnPath.nullable(),
		poster: cdnPath.nullable(),
		storyboard: cdnPath.nullable().openapi({ description: "WebVTT thumbnails track; cues point into the sprite with #xywh=" }),
		preview: cdnPath.nullable().openapi({
			description: "A ~3 s muted MP4 loop from the busiest part of the video, for grids; null for videos made before previews",
		}),
		captions: z
			.array(CaptionLinkSchema)
			.openapi({ description: "Caption tracks (PUT /api/videos/{id}/captions/{lang}); listed in hls and dash too" }),
		source: z.string().nullable().openapi({
			description: "The uploaded original, signed (never public): for its owner only; null once failed (its bytes are deleted)",
		}),
		width: z.number().int().nullable(),
		height: z.number().int().nullable(),
		duration: z.number().nullable().openapi({ description: "Seconds" }),
		error: z
			.object({ code: z.string(), message: z.string() })
			.nullable()
			.openapi({ description: "Why processing failed, for people and for code" }),
		trim: z
			.object({
				durationSeconds: z.number().openapi({ description: "The source's length" }),
				maxSeconds: z.number().openapi({ description: "The longest clip that may be made of it" }),
				until: z.iso.datetime().openapi({ description: "When its original is deleted" }),
			})
			.nullable()
			.openapi({
				description:
					"A video refused as `too_long` whose original is kept a day to be trimmed: POST /api/videos/{id}/clip (or a reel with `clip`) within `maxSeconds` until `until`; null otherwise",
			}),
		meta: z
			.record(z.string(), z.string())
			.nullable()
			.openapi({ description: "The key/value pairs given when its direct upload URL was made; null for other uploads" }),
	})
	.openapi("VideoStatus");

const NO_PLAYBACK: VideoPlayback = {
	renditions: [],
	hls: null,
	dash: null,
	thumbnail: null,
	poster: null,
	storyboard: null,
	preview: null,
	captions: [],
};

const videoStatus = apiRoute({
	method: "get",
	path: "/api/videos/{id}/status",
	tags: ["videos"],
	summary: "Where a video of yours is in processing, and how to play it once playable",
	description:
		"Every URL is signed (it expires after MEDIA_URL_TTL_SECONDS): a video is public only through a public reel, and its original never is.",
	...signedIn(),
	request: { params: z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) }) },
	responses: { 200: { description: "Status", ...jsonContent(VideoStatusSchema) }, ...problemResponses(400, 401, 404) },
});

const ENDED_BEFORE_BYTES: Record<string, { code: string; message: string }> = {
	expired: { code: "direct_upload_expired", message: "The upload URL expired before an upload started." },
	terminated: { code: "upload_terminated", message: "The upload was given up, or its first bytes were not a video." },
	abandoned: { code: "upload_abandoned", message: "The upload stopped before any of it arrived." },
};

/** A video that is only a direct upload URL so far: waiting for its upload, started, or ended before any bytes were kept. */
async function beforeItsBytes(env: Env, upload: DirectUpload) {
	const expired = upload.status === "expired" || (upload.status === "pending_upload" && upload.expiresAt <= new Date().toISOString());
	const session = upload.status === "used" ? await findSession(env, upload.id, upload.ownerId) : undefined;
	const ended = expired
		? ENDED_BEFORE_BYTES.expired
		: session && session.status !== "uploading"
			? ENDED_BEFORE_BYTES[session.status]
			: undefined;
	const status: ApiVideoStatus = ended ? "failed" : upload.status === "used" ? "uploading" : "pending_upload";
	return {
		id: upload.id,
		status,
		progress: 0,
		...NO_PLAYBACK,
		source: null,
		width: null,
		height: null,
		duration: null,
		error: ended ?? null,
		trim: null,
		meta: upload.meta,
	};
}

export const videoStatusRoutes = new OpenAPIHono<AppEnv>().openapi(videoStatus, async (c) => {
	const { id } = c.req.valid("param");
	const db = mediaDb(c.env);
	const [asset, upload] = await Promise.all([
		db.query.assets.findFirst({ where: and(eq(assets.id, id), eq(assets.kind, "video"), eq(assets.ownerId, c.var.auth.sub)) }),
		db.query.directUploads.findFirst({ where: and(eq(directUploads.id, id), eq(directUploads.ownerId, c.var.auth.sub)) }),
	]);
	if (!asset) {
		if (upload) return c.json(await beforeItsBytes(c.env, upload), 200);
		throw new HttpProblem(404, "video_not_found", "No video of yours with that id.");
	}
	// Signed: the owner may watch a video that no public reel shows yet (and its source, which is never public).
	const status = videoStatusOf(asset);
	const playback = isWatchable(status) ? await signedPlayback(c.env, await videoPlayback(db, asset.id)) : NO_PLAYBACK;
	const source = status === "failed" ? null : await signedMediaUrl(c.env, asset.r2Key, configOf(c.env).MEDIA_URL_TTL_SECONDS);
	return c.json(
		{
			id: asset.id,
			status,
			progress: status === "ready" ? 1 : asset.progress,
			...playback,
			source,
			width: asset.width,
			height: asset.height,
			duration: asset.durationMs === null ? null : asset.durationMs / 1000,
			error: asset.status === "failed" ? { code: asset.errorCode ?? "failed", message: asset.error ?? "Processing failed." } : null,
			trim: trimmableOf(asset),
			meta: upload?.meta ?? null,
		},
		200,
	);
});
