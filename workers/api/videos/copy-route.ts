// POST /api/videos/copy: a video fetched from a public URL into the same pipeline as an upload,
// like Cloudflare Stream's copy and Mux's input URL. The fetch is the platform's request on the
// caller's say-so (cdn/upload/fetch-remote-video.ts decides what may be fetched); the bytes stream
// to R2 under the caller's storage quota and the video limit, sniffed like an upload's.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { cdnUrl } from "../../cdn/cdn-key";
import { fetchRemoteVideo } from "../../cdn/upload/fetch-remote-video";
import { receiveVideoStream } from "../../cdn/upload/receive-upload";
import { remainingStorage } from "../../cdn/upload/storage-quota";
import { VideoAcceptedSchema } from "../../cdn/upload/upload-routes";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { problemResponses } from "../../lib/problems/problem-schema";

export const CopyVideoSchema = z
	.strictObject({
		url: z
			.url({ protocol: /^https?$/, error: "an http(s) URL" })
			.max(2048)
			.openapi({ description: "Where the video is: HTTPS on a public address in production (loopback allowed locally)" }),
		title: z.string().max(200).optional(),
		caption: z.string().max(2200).optional(),
	})
	.openapi("CopyVideo");

const copyVideo = apiRoute({
	method: "post",
	path: "/api/videos/copy",
	tags: ["videos"],
	summary: "Copy a video from a URL (streamed into storage and queued for transcoding)",
	description:
		"The answer must be a video (video/*, application/mp4 or octet-stream) within the video limit; at most 3 redirects, each checked. In production the URL (and every redirect) must be HTTPS on a public address, checked again after its name is resolved: loopback, private, link-local and metadata addresses are refused (422 url_refused). The video counts against your storage quota.",
	...signedIn(jsonBody()),
	request: { body: { ...jsonContent(CopyVideoSchema), required: true } },
	responses: {
		202: { description: "Copied and queued", ...jsonContent(VideoAcceptedSchema) },
		...problemResponses(400, 401, 413, 415, 422),
	},
});

export const copyRoutes = new OpenAPIHono<AppEnv>().openapi(copyVideo, async (c) => {
	const { url, title, caption } = c.req.valid("json");
	// The quota first: an account with no room left makes the platform fetch nothing.
	const roomLeft = await remainingStorage(c.env, c.var.auth.sub);
	const remote = await fetchRemoteVideo(c.env, url, { roomLeft });
	const fields = { ...(title !== undefined ? { title } : {}), ...(caption !== undefined ? { caption } : {}) };
	const up = await receiveVideoStream(c.env, remote.body, c.var.auth.sub, {
		filename: remote.filename,
		declaredBytes: remote.declaredBytes,
		fields,
		roomLeft,
	});
	return c.json(
		{
			id: up.id,
			status: "queued" as const,
			statusUrl: `/api/videos/${up.id}/status`,
			fileUrl: cdnUrl(up.key),
			title: title ?? null,
			caption: caption ?? null,
		},
		202,
	);
});
