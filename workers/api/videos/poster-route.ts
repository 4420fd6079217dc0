// A video's cover, like Cloudflare Stream's thumbnailTimestampPct and Mux's
// thumbnail time: PUT {"time": 2.5} makes the poster and thumbnail from the
// frame on screen at that time; PUT with an image uses the image. The owner's
// only; the reels on the video take the new pictures (workers/covers/).
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cdnUrl } from "../../cdn/cdn-key";
import { signCdnUrl } from "../../cdn/signing/media-url-signature";
import { coverFromFrame, coverFromImage } from "../../covers/cover-pictures";
import { setCover } from "../../covers/set-cover";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { configOf } from "../../lib/config/config";
import { jsonContent } from "../../lib/http/json-content";
import { HttpProblem, tooManyRequests } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { refreshReelPlayback } from "../reels/reel-media";
import { ownVideo, readyVideo } from "./own-video";

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif", "image/avif"];

const PosterTimeSchema = z
	.object({ time: z.number().min(0).openapi({ description: "Seconds from the video's start", example: 2.5 }) })
	.strict()
	.openapi("PosterTime");

const CoverSchema = z
	.object({
		poster: z.string().openapi({ description: "The new poster (the top rung's size), signed" }),
		thumbnail: z.string().openapi({ description: "The new thumbnail (long side 640), signed" }),
		time: z.number().nullable().openapi({ description: "The time the frame was taken at; null for an uploaded image" }),
	})
	.openapi("VideoCover");

/** A JSON body is `{"time": n}`: a few bytes. Images are counted as they stream (cover-pictures.ts). */
const JSON_MAX_BYTES = 1024;
const jsonBodyLimit = (): MiddlewareHandler<AppEnv> => {
	const limit = bodyLimit({
		maxSize: JSON_MAX_BYTES,
		onError: () => {
			throw new HttpProblem(413, "body_too_large", `A JSON body here is at most ${JSON_MAX_BYTES} bytes.`);
		},
	});
	return (c, next) => (c.req.header("content-type")?.toLowerCase().startsWith("application/json") ? limit(c, next) : next());
};

/** Cover changes a video takes an hour: each costs a frame decode or two image transformations, and a purge. */
const COVER_CHANGES_PER_HOUR = 10;

const putPoster = apiRoute({
	method: "put",
	path: "/api/videos/{id}/poster",
	tags: ["videos"],
	summary: "Sets the video's cover: a frame at a time, or an image",
	description: `JSON \`{time}\`: the poster and thumbnail are the frame on screen at that time (exact, decoded from the top rung; 422 time_past_end past the video's length). An image body (JPEG, PNG, GIF, WebP; AVIF where the account reads it): the checks every uploaded image gets, then cropped to the video's shape. The old pictures are deleted and purged; the reels on the video show the new ones. The video must be ready; 409 when another change to its cover lands first; at most ${COVER_CHANGES_PER_HOUR} changes a video an hour (429).`,
	...signedIn(jsonBodyLimit()),
	request: {
		params: z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) }),
		// Not `required`: the JSON schema is then checked only for JSON bodies, and an image streams untouched.
		body: {
			content: {
				"application/json": { schema: PosterTimeSchema },
				...Object.fromEntries(IMAGE_TYPES.map((t) => [t, { schema: z.string().openapi({ format: "binary" }) }])),
			},
		},
	},
	responses: {
		200: { description: "The new cover", ...jsonContent(CoverSchema) },
		...problemResponses(400, 401, 404, 409, 413, 415, 422, 429, 503),
	},
});

export const posterRoutes = new OpenAPIHono<AppEnv>().openapi(putPoster, async (c) => {
	const { id } = c.req.valid("param");
	const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "";
	const isJson = type === "application/json";
	if (!isJson && !IMAGE_TYPES.includes(type)) {
		throw new HttpProblem(
			415,
			"unsupported_media_type",
			'Send JSON {"time": seconds} or an image.',
			{},
			{
				"Accept-Put": ["application/json", ...IMAGE_TYPES].join(", "),
			},
		);
	}
	const limit = configOf(c.env).UPLOAD_MAX_IMAGE_BYTES;
	if (Number(c.req.header("content-length") ?? 0) > limit)
		throw new HttpProblem(413, "file_too_large", `An image is limited to ${limit} bytes.`);
	const video = readyVideo(await ownVideo(c.env, c.var.auth.sub, id), "A cover");
	const time = isJson ? (c.req.valid("json") as z.infer<typeof PosterTimeSchema>).time : null;
	if (time !== null && time > video.durationMs / 1000) {
		throw new HttpProblem(422, "time_past_end", `The video is ${video.durationMs / 1000} s long; pick a time within it.`);
	}
	const body = c.req.raw.body;
	if (!isJson && !body) throw new HttpProblem(400, "empty_file", "The image is empty.");
	// Counted once the request is one that will make pictures: a refused one costs nothing.
	const taken = await c.env.RATE_LIMITER.getByName(`covers:${id}`).take({ limit: COVER_CHANGES_PER_HOUR, periodSeconds: 3600 });
	if (!taken.allowed) {
		throw tooManyRequests(
			"rate_limited",
			`A video's cover changes at most ${COVER_CHANGES_PER_HOUR} times an hour; try again in ${taken.retryAfterSeconds}s.`,
			taken.retryAfterSeconds,
		);
	}
	const pictures =
		time === null ? await coverFromImage(c.env, id, body as ReadableStream<Uint8Array>) : await coverFromFrame(c.env, id, time);
	const keys = await setCover(c.env, c.req.url, video, pictures, () => refreshReelPlayback(c.env, c.var.db, id));
	const ttl = configOf(c.env).MEDIA_URL_TTL_SECONDS;
	return c.json(
		{
			poster: (await signCdnUrl(c.env, cdnUrl(keys.poster), ttl)) as string,
			thumbnail: (await signCdnUrl(c.env, cdnUrl(keys.thumbnail), ttl)) as string,
			time,
		},
		200,
	);
});
