// POST /api/videos/direct-upload: a one-time upload URL for a creator's browser (cdn/tus/direct-uploads.ts).
// Asked for by the team's server with an API key (`videos:write`) or by a signed-in person; the
// video it makes is theirs, counts against their storage quota, and may be no longer than
// `maxDurationSeconds` (the transcoder refuses a longer one as `too_long`).
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { createDirectUpload, MAX_PENDING_DIRECT_UPLOADS } from "../../cdn/tus/direct-uploads";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { configOf } from "../../lib/config/config";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { validationFailed } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";

/** Stream's bounds: at least a minute to start, at most six hours. */
const EXPIRES_MIN_S = 60;
const EXPIRES_MAX_S = 6 * 3600;
const EXPIRES_DEFAULT_S = 30 * 60;
/** An upper bound on what may be asked; the transcoder's own MAX_SOURCE_SECONDS applies on top. */
const MAX_DURATION_S = 3600;

export const DirectUploadRequestSchema = z
	.strictObject({
		maxDurationSeconds: z
			.number()
			.int()
			.min(1)
			.max(MAX_DURATION_S)
			.openapi({
				description: `The longest the video may be, in seconds (at most ${MAX_DURATION_S}, and never more than the transcoder takes): a longer one fails as \`too_long\``,
			}),
		maxSizeBytes: z.number().int().min(1).optional().openapi({
			description: "The largest file the uploader may send (default and at most the platform's video limit, UPLOAD_MAX_VIDEO_BYTES)",
		}),
		expiresInSeconds: z
			.number()
			.int()
			.min(EXPIRES_MIN_S)
			.max(EXPIRES_MAX_S)
			.optional()
			.openapi({ description: `How long the URL may start an upload (default ${EXPIRES_DEFAULT_S})` }),
		meta: z
			.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "keys are 1 to 64 letters, digits, _ . -"), z.string().max(512))
			.refine((m) => Object.keys(m).length <= 16, "at most 16 keys")
			.optional()
			.openapi({ description: "Your own key/value pairs for this video (e.g. the creator's id in your product)" }),
	})
	.openapi("DirectUploadRequest");

const DirectUploadSchema = z
	.object({
		videoId: z.uuid().openapi({ description: "The video's id: its status is `pending_upload` until bytes arrive" }),
		uploadUrl: z.string().openapi({
			description:
				"A tus 1.0 endpoint for exactly one upload, no credentials needed: give it to the uploader (e.g. tus-js-client's `endpoint`)",
		}),
		expiresAt: z.string().openapi({ format: "date-time", description: "An upload must start before this" }),
	})
	.openapi("DirectUpload");

const directUpload = apiRoute({
	method: "post",
	path: "/api/videos/direct-upload",
	tags: ["videos"],
	summary: "A one-time upload URL for a creator's browser (direct creator upload)",
	description: `Whoever holds the URL may start one tus upload with it, before it expires, without any token; the video is yours and counts against your storage quota. At most ${MAX_PENDING_DIRECT_UPLOADS} unused URLs at once.`,
	...signedIn(jsonBody()),
	request: { body: { ...jsonContent(DirectUploadRequestSchema), required: true } },
	responses: {
		201: { description: "The URL", ...jsonContent(DirectUploadSchema) },
		...problemResponses(400, 401, 413, 415, 429),
	},
});

export const directUploadRoutes = new OpenAPIHono<AppEnv>().openapi(directUpload, async (c) => {
	const body = c.req.valid("json");
	const videoLimit = configOf(c.env).UPLOAD_MAX_VIDEO_BYTES;
	if (body.maxSizeBytes !== undefined && body.maxSizeBytes > videoLimit) {
		throw validationFailed([{ path: "maxSizeBytes", message: `at most ${videoLimit} (the platform's video limit)` }]);
	}
	const created = await createDirectUpload(c.env, c.req.url, {
		ownerId: c.var.auth.sub,
		maxDurationS: body.maxDurationSeconds,
		maxBytes: body.maxSizeBytes ?? videoLimit,
		expiresInS: body.expiresInSeconds ?? EXPIRES_DEFAULT_S,
		meta: body.meta ?? {},
	});
	return c.json(created, 201);
});
