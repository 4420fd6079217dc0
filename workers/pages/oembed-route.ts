// GET /oembed?url=…: the oEmbed answer (https://oembed.com, type "video") for a reel's page or
// embed URL on this origin, so a site that unfurls links (a CMS, a chat app) can place the player
// without knowing our URL shapes. Strangers' view only (stranger-reel.ts); a URL on another host,
// or one that shows no reel a stranger may see, is 404 as the spec asks, and `format=xml` is 501,
// again as the spec asks. Readable from any origin without credentials (media-headers.ts).
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/app/app-env";
import { withStackProblems } from "../lib/app/request-stack";
import { configOf } from "../lib/config/config";
import { escapeHtml } from "../lib/encoding/escape-html";
import { jsonContent } from "../lib/http/json-content";
import { shareWithAnonymous } from "../lib/http/shared-reads";
import { HttpProblem } from "../lib/problems/http-problem";
import { problemResponses } from "../lib/problems/problem-schema";
import { titleOf } from "./html-text";
import { absolute, embedUrl, reelIdOfUrl } from "./page-urls";
import { fitFrame, PORTRAIT, pictureSize, reelForStrangers } from "./stranger-reel";

const PROVIDER = "reels-edge";
/** How long a consumer may keep a public reel's answer before asking again. */
const PUBLIC_CACHE_AGE_S = 3600;

const bound = z.coerce.number().int().min(16).max(8192).optional();

export const OembedQuerySchema = z.object({
	url: z.string().min(1).max(2048).openapi({ description: "A reel's page (`…/reel/{id}`) or embed URL on this origin" }),
	maxwidth: bound.openapi({ description: "The iframe (and the answer's width) fits within this many pixels" }),
	maxheight: bound.openapi({ description: "The iframe (and the answer's height) fits within this many pixels" }),
	format: z.string().max(16).optional().openapi({ description: "json (the default); anything else is 501" }),
});

export const OembedSchema = z
	.object({
		version: z.literal("1.0"),
		type: z.literal("video"),
		provider_name: z.string(),
		provider_url: z.string(),
		title: z.string(),
		author_name: z.string(),
		author_url: z.string(),
		html: z.string().openapi({ description: "The iframe of `/embed/{id}`, sized to fit maxwidth × maxheight" }),
		width: z.number().int(),
		height: z.number().int(),
		thumbnail_url: z.string().optional(),
		thumbnail_width: z.number().int().optional(),
		thumbnail_height: z.number().int().optional(),
		cache_age: z.number().int(),
	})
	.openapi("Oembed");

const oembedRoute = createRoute(
	withStackProblems({
		method: "get",
		path: "/oembed",
		tags: ["pages"],
		summary: "oEmbed for a reel's link (type video: an iframe of the embeddable player)",
		description:
			"For public reels, and unlisted ones by their link. 404 for a URL on another host or a reel strangers may not see; 501 for any format but json.",
		request: { query: OembedQuerySchema },
		responses: {
			200: { description: "The oEmbed answer", ...jsonContent(OembedSchema) },
			...problemResponses(400, 404, 429, 501),
		},
	}),
);

const notEmbeddable = () => new HttpProblem(404, "reel_not_found", "No reel a stranger may see at that URL on this host.");

export const oembedRoutes = new OpenAPIHono<AppEnv>().openapi(oembedRoute, async (c) => {
	const q = c.req.valid("query");
	if (q.format && q.format !== "json") {
		throw new HttpProblem(501, "oembed_format_unsupported", "Only format=json is produced.");
	}
	const id = reelIdOfUrl(c.req.url, q.url);
	if (!id) throw notEmbeddable();
	const reel = await reelForStrangers(c.env, c.var.db, id);
	if (!reel) throw notEmbeddable();
	const picture = (await pictureSize(c.env, reel.video.id)) ?? PORTRAIT;
	const frame = fitFrame(picture, q.maxwidth, q.maxheight);
	const title = titleOf(reel.caption, `A reel by @${reel.author.handle}`);
	const src = embedUrl(c.req.url, reel.id);
	const iframe = `<iframe src="${escapeHtml(src)}" width="${frame.width}" height="${frame.height}" title="${escapeHtml(title)}" frameborder="0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen loading="lazy"></iframe>`;
	const thumbnail = absolute(c.req.url, reel.video.poster);
	// An unlisted reel's poster is a signed URL: a consumer must ask again before it expires.
	const cacheAge =
		reel.visibility === "public" ? PUBLIC_CACHE_AGE_S : Math.min(PUBLIC_CACHE_AGE_S, Math.floor(configOf(c.env).MEDIA_URL_TTL_SECONDS / 2));
	shareWithAnonymous(c);
	return c.json(
		{
			version: "1.0" as const,
			type: "video" as const,
			provider_name: PROVIDER,
			provider_url: new URL("/", c.req.url).href,
			title,
			author_name: reel.author.name,
			author_url: new URL(`/@${reel.author.handle}`, c.req.url).href,
			html: iframe,
			width: frame.width,
			height: frame.height,
			...(thumbnail ? { thumbnail_url: thumbnail, thumbnail_width: picture.width, thumbnail_height: picture.height } : {}),
			cache_age: cacheAge,
		},
		200,
	);
});
