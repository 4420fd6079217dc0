import type { RouteConfig } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import { problemResponses } from "../lib/problems/problem-schema";

// /cdn and /img are plain hono routes (they stream bytes, not JSON); these
// entries put them in /openapi.json. `{key}` stands for a whole R2 key,
// slashes included (`2026/11/22/<uuid>.jpg`), which OpenAPI templates cannot express.
const key = z.string().openapi({ param: { name: "key", in: "path" }, example: "2026/11/22/0190f1c4-6f1a-7c3e-9d2b-5b8e0c1a2b3c.jpg" });
const media = { description: "The bytes", content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } } };

export const cdnPathDocs: RouteConfig[] = [
	{
		method: "get" as const,
		path: "/cdn/{key}",
		tags: ["cdn"],
		summary: "Media bytes (originals, thumbnails, HLS/DASH renditions); HEAD too",
		description:
			"Strong ETag, Last-Modified, 304 on If-None-Match/If-Modified-Since, single Range → 206 (416 past the end or for several ranges), immutable caching, edge cache in front of R2.",
		request: { params: z.object({ key }) },
		responses: {
			200: media,
			206: { description: "A byte range" },
			304: { description: "Not modified" },
			...problemResponses(400, 404, 416),
		},
	},
	{
		method: "get" as const,
		path: "/cdn/{folder}/thumbnail.jpg",
		tags: ["cdn"],
		summary: "A frame of a ready video at any time, made on the fly (like Stream's thumbnail URLs)",
		description:
			"`{folder}` is the video's folder (`YYYY/MM/DD/<uuid>`); signed as `/cdn/s/<token>/{folder}/thumbnail.jpg` for a video no public reel shows. The frame on screen at `time`, exact, at `width` (an allow-listed size; default long side 640) in the video's shape. Each new frame spends one of the caller's IMAGE_TRANSFORMS_PER_HOUR; frames already made come from the edge cache. 409 until the video is ready, 422 past its end, 503 frame_unavailable when the transcoder is busy.",
		request: {
			params: z.object({
				folder: z.string().openapi({ param: { name: "folder", in: "path" }, example: "2026/11/22/0190f1c4-6f1a-7c3e-9d2b-5b8e0c1a2b3c" }),
			}),
			query: z.object({
				time: z.string().openapi({ description: "Seconds from the start: 2.5 or 2.5s", example: "2.5" }),
				width: z.string().optional().openapi({ example: "320" }),
			}),
		},
		responses: {
			200: { description: "The frame", content: { "image/jpeg": { schema: z.string().openapi({ format: "binary" }) } } },
			...problemResponses(400, 404, 409, 422, 429, 503),
		},
	},
	{
		method: "get" as const,
		path: "/img/{options}/{key}",
		tags: ["cdn"],
		summary: "A resized image (Cloudflare option grammar)",
		description:
			"Options: width, height (1-4096), fit (scale-down|contain|cover|crop|pad), gravity, quality (fixed set), format (auto|avif|webp|jpeg|png), dpr (1-3). Sizes off the allow-list need `?sig=` (a signed URL). Sources above IMAGE_MAX_MEGAPIXELS are refused from their header (422).",
		request: {
			params: z.object({
				options: z.string().openapi({ param: { name: "options", in: "path" }, example: "width=320,fit=cover,format=auto" }),
				key,
			}),
			query: z.object({ sig: z.string().optional() }),
		},
		responses: {
			200: media,
			...problemResponses(400, 404),
			403: { description: "A signature is needed for this size" },
			422: { description: "Not a transformable image, or too many pixels" },
		},
	},
	{
		method: "get" as const,
		path: "/cdn/resize/{width}/{height}/{key}",
		tags: ["cdn"],
		summary: "Seed-compatible resize: exactly width x height (fit=cover)",
		request: {
			params: z.object({
				width: z.string().openapi({ param: { name: "width", in: "path" } }),
				height: z.string().openapi({ param: { name: "height", in: "path" } }),
				key,
			}),
		},
		responses: {
			200: media,
			...problemResponses(400, 404),
			403: { description: "A signature is needed for this size" },
			422: { description: "Not a transformable image, or too many pixels" },
		},
	},
];
