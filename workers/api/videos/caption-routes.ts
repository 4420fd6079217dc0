// A video's caption tracks, like Cloudflare Stream's captions API: PUT a
// WebVTT or SRT file for a language, list them, DELETE one. The owner's only;
// tracks go into the video's HLS and DASH manifests and its reels' answers
// (workers/captions/).
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import { captionLabel, captionLanguage } from "../../captions/caption-language";
import { MAX_TRACKS } from "../../captions/caption-manifests";
import { CAPTION_MAX_BYTES, parseCaptions } from "../../captions/caption-text";
import { putCaptionTrack, removeCaptionTrack } from "../../captions/caption-tracks";
import { cdnUrl } from "../../cdn/cdn-key";
import { signCdnUrl } from "../../cdn/signing/media-url-signature";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { configOf } from "../../lib/config/config";
import { jsonContent } from "../../lib/http/json-content";
import { captionRows } from "../../lib/media-db/caption-store";
import { mediaDb } from "../../lib/media-db/media-db";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { refreshReelPlayback } from "../reels/reel-media";
import { ownVideo, readyVideo } from "./own-video";

const CAPTION_TYPES = ["text/vtt", "application/x-subrip", "text/plain"];

const CaptionTrackSchema = z
	.object({
		lang: z.string().openapi({ description: "BCP-47 language tag, canonical (en-US, pt-BR)", example: "en" }),
		label: z.string().openapi({ example: "English" }),
		generated: z.boolean().openapi({ description: "Recognised from the video's speech rather than uploaded" }),
		url: z.string().openapi({ description: "The sanitised WebVTT file, signed (it expires like the video's other signed URLs)" }),
		cues: z.number().int(),
		bytes: z.number().int(),
		updatedAt: z.string().openapi({ format: "date-time" }),
	})
	.openapi("CaptionTrack");

const CaptionListSchema = z.object({ captions: z.array(CaptionTrackSchema) }).openapi("CaptionList");

const idParam = z.uuid().openapi({ param: { name: "id", in: "path" } });
const langParam = z
	.string()
	.min(1)
	.max(35)
	.openapi({ param: { name: "lang", in: "path" }, description: "BCP-47 language tag", example: "en" });

const listCaptions = apiRoute({
	method: "get",
	path: "/api/videos/{id}/captions",
	tags: ["videos"],
	summary: "A video's caption tracks",
	...signedIn(),
	request: { params: z.object({ id: idParam }) },
	responses: { 200: { description: "Its tracks, by language", ...jsonContent(CaptionListSchema) }, ...problemResponses(400, 401, 404) },
});

/** 415 for any other type, 413 past the cap (counted as it streams when there is no Content-Length). */
const captionBody = (): MiddlewareHandler<AppEnv> =>
	every(
		async (c, next) => {
			const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "";
			if (!CAPTION_TYPES.includes(type)) {
				throw new HttpProblem(
					415,
					"unsupported_media_type",
					"Send a WebVTT (text/vtt) or SRT (application/x-subrip) file.",
					{},
					{
						"Accept-Put": CAPTION_TYPES.join(", "),
					},
				);
			}
			await next();
		},
		bodyLimit({
			maxSize: CAPTION_MAX_BYTES,
			onError: () => {
				throw new HttpProblem(413, "body_too_large", `A caption file is at most ${CAPTION_MAX_BYTES} bytes.`);
			},
		}),
	);

const putCaption = apiRoute({
	method: "put",
	path: "/api/videos/{id}/captions/{lang}",
	tags: ["videos"],
	summary: "Adds or replaces the video's caption track for a language",
	description: `A WebVTT or SRT file (UTF-8, at most ${CAPTION_MAX_BYTES} bytes), served as WebVTT; at most ${MAX_TRACKS} tracks a video (422 too_many_captions). Cue text keeps <b>, <i> and <u>; any other markup, STYLE and REGION blocks and notes are removed. Cues past the video's end are dropped. The video must be ready; 409 with Retry-After while another change to its captions is being made.`,
	...signedIn(captionBody()),
	request: {
		params: z.object({ id: idParam, lang: langParam }),
		query: z.object({ label: z.string().max(64).optional().openapi({ description: "What players show (default: the language's name)" }) }),
		body: {
			required: true,
			content: Object.fromEntries(
				CAPTION_TYPES.map((t) => [t, { schema: z.string().openapi({ example: "WEBVTT\n\n00:00.000 --> 00:02.000\nHello" }) }]),
			),
		},
	},
	responses: {
		200: { description: "Replaced", ...jsonContent(CaptionTrackSchema) },
		201: { description: "Added", ...jsonContent(CaptionTrackSchema) },
		...problemResponses(400, 401, 404, 409, 413, 415, 422),
	},
});

const deleteCaption = apiRoute({
	method: "delete",
	path: "/api/videos/{id}/captions/{lang}",
	tags: ["videos"],
	summary: "Removes a caption track: its file stops being served and the manifests no longer list it",
	...signedIn(),
	request: { params: z.object({ id: idParam, lang: langParam }) },
	responses: { 204: { description: "Removed" }, ...problemResponses(400, 401, 404, 409) },
});

async function tracksOf(env: Env, assetId: string) {
	const ttl = configOf(env).MEDIA_URL_TTL_SECONDS;
	const rows = await captionRows(mediaDb(env), assetId);
	return Promise.all(
		rows.map(async (r) => ({
			lang: r.lang,
			label: r.label,
			generated: r.generated,
			url: (await signCdnUrl(env, cdnUrl(r.vttKey), ttl)) as string,
			cues: r.cueCount,
			bytes: r.bytes,
			updatedAt: r.updatedAt,
		})),
	);
}

function utf8(bytes: ArrayBuffer): string {
	try {
		return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
	} catch {
		throw new HttpProblem(422, "invalid_captions", "A caption file must be UTF-8 text.", {});
	}
}

export const captionRoutes = new OpenAPIHono<AppEnv>()
	.openapi(listCaptions, async (c) => {
		const { id } = c.req.valid("param");
		await ownVideo(c.env, c.var.auth.sub, id);
		return c.json({ captions: await tracksOf(c.env, id) }, 200);
	})
	.openapi(putCaption, async (c) => {
		const { id, lang: rawLang } = c.req.valid("param");
		const lang = captionLanguage(rawLang);
		const video = readyVideo(await ownVideo(c.env, c.var.auth.sub, id), "Captions");
		const text = utf8(await c.req.arrayBuffer());
		if (text.includes("\u0000")) throw new HttpProblem(422, "invalid_captions", "A caption file may not contain NUL characters.", {});
		const cues = parseCaptions(text, video.durationMs / 1000);
		const put = await putCaptionTrack(
			c.env,
			c.req.url,
			video,
			{ lang, label: captionLabel(lang, c.req.valid("query").label), generated: false, cues },
			() => refreshReelPlayback(c.env, c.var.db, id),
		);
		const track = (await tracksOf(c.env, id)).find((t) => t.lang === lang);
		if (!track) throw new HttpProblem(409, "caption_change_in_progress", "The track changed again meanwhile; read the list.");
		return c.json(track, put.created ? 201 : 200);
	})
	.openapi(deleteCaption, async (c) => {
		const { id, lang: rawLang } = c.req.valid("param");
		const lang = captionLanguage(rawLang);
		const video = readyVideo(await ownVideo(c.env, c.var.auth.sub, id), "Captions");
		const removed = await removeCaptionTrack(c.env, c.req.url, video, lang, () => refreshReelPlayback(c.env, c.var.db, id));
		if (!removed) throw new HttpProblem(404, "caption_not_found", `This video has no ${lang} captions.`);
		return c.body(null, 204);
	});
