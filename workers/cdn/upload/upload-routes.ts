import type { RouteConfig } from "@hono/zod-openapi";
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/app/app-env";
import { withStackProblems } from "../../lib/app/request-stack";
import { requireAuth } from "../../lib/auth/authenticate";
import { jsonContent } from "../../lib/http/json-content";
import { problemResponses } from "../../lib/problems/problem-schema";
import { cdnUrl } from "../cdn-key";
import { receiveUpload } from "./receive-upload";

const multipart = {
	content: {
		"multipart/form-data": {
			schema: z.object({
				file: z.string().openapi({ format: "binary", description: "The image or video; its type is read from its bytes" }),
				title: z.string().max(200).optional(),
				caption: z.string().max(2200).optional(),
			}),
		},
	},
};

const UploadedSchema = z
	.object({
		id: z.uuid(),
		fileUrl: z.string().openapi({ example: "/cdn/2026/11/22/0190f1c4-6f1a-7c3e-9d2b-5b8e0c1a2b3c.jpg" }),
		thumbnailUrl: z.string().nullable(),
		filename: z.string(),
		size: z.number().int(),
		mimetype: z.string(),
	})
	.openapi("Uploaded");

export const VideoAcceptedSchema = z
	.object({
		id: z.uuid(),
		status: z.literal("queued"),
		statusUrl: z.string(),
		fileUrl: z.string(),
		title: z.string().nullable(),
		caption: z.string().nullable(),
	})
	.openapi("VideoAccepted");

const uploadErrors = problemResponses(400, 401, 413, 415, 429);

// The two upload routes are documented here but served by plain handlers: a
// declared multipart body would make the validator parse (buffer) the whole
// file before the handler could stream it.
const cdnUploadDoc = {
	tags: ["cdn"],
	summary: "Upload an image or a video (streamed to R2)",
	description: "Images get a thumbnail and are ready at once; videos are queued for transcoding.",
	security: [{ bearer: [] }],
	request: { body: { ...multipart, required: true } },
	responses: { 201: { description: "Stored", ...jsonContent(UploadedSchema) }, ...uploadErrors, 422: { description: "A damaged image" } },
};

const videoUploadDoc = {
	tags: ["videos"],
	summary: "Upload a video for transcoding",
	security: [{ bearer: [] }],
	request: { body: { ...multipart, required: true } },
	responses: { 202: { description: "Queued", ...jsonContent(VideoAcceptedSchema) }, ...uploadErrors },
};

export const uploadPathDocs: RouteConfig[] = [
	withStackProblems({ method: "post" as const, path: "/cdn/upload", ...cdnUploadDoc }),
	withStackProblems({ method: "post" as const, path: "/api/videos/upload", ...videoUploadDoc }),
];

export const uploadRoutes = new OpenAPIHono<AppEnv>()
	.post("/cdn/upload", requireAuth(), async (c) => {
		const up = await receiveUpload(c.env, c.req.raw, c.var.auth.sub, { kinds: ["image", "video"], fields: [] });
		return c.json(
			{
				id: up.id,
				fileUrl: cdnUrl(up.key),
				thumbnailUrl: up.thumbnailKey ? cdnUrl(up.thumbnailKey) : null,
				filename: up.filename,
				size: up.size,
				mimetype: up.type.mimetype,
			},
			201,
		);
	})
	.post("/api/videos/upload", requireAuth(), async (c) => {
		const up = await receiveUpload(c.env, c.req.raw, c.var.auth.sub, { kinds: ["video"], fields: ["title", "caption"] });
		return c.json(
			{
				id: up.id,
				status: "queued" as const,
				statusUrl: `/api/videos/${up.id}/status`,
				fileUrl: cdnUrl(up.key),
				title: up.fields.title ?? null,
				caption: up.fields.caption ?? null,
			},
			202,
		);
	});
