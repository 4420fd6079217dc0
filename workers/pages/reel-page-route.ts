// GET /reel/:id: the web app's shell (index.html) with what a link preview reads written into its
// head: Open Graph tags (title, poster, the embeddable player), a canonical URL and the oEmbed
// discovery link. Chat apps and CMSs do not run the app's script, so without this a shared link
// unfurls as a bare "reels-edge". Strangers' view only: a reel a stranger may not see gets the
// plain shell (the app then asks the API with the reader's own token), and so does any refusal on
// the way (burst limit, quota, database down): the page always loads, only its preview can be lost.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Reel } from "../api/reels/reel-schemas";
import type { AppEnv } from "../lib/app/app-env";
import { withStackProblems } from "../lib/app/request-stack";
import { escapeHtml } from "../lib/encoding/escape-html";
import { shareWithAnonymous } from "../lib/http/shared-reads";
import { APP_SHELL, builtPage } from "./built-page";
import { titleOf } from "./html-text";
import { absolute, embedUrl, isUuid, oembedUrlOf, reelPageUrl } from "./page-urls";
import { type FrameSize, fitFrame, PORTRAIT, pictureSize, reelForStrangers } from "./stranger-reel";

const html = { "text/html": { schema: z.string() } };
const PAGE_HEADERS = { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" };

const reelPageRoute = createRoute(
	withStackProblems({
		method: "get",
		path: "/reel/{id}",
		tags: ["pages"],
		summary: "A reel's page in the web app, with its link preview (Open Graph, oEmbed discovery)",
		description:
			'Always the web app (200), whatever the id; for a reel strangers may see, its head also carries Open Graph tags and `<link rel="alternate" type="application/json+oembed">`.',
		request: {
			params: z.object({
				id: z
					.string()
					.max(64)
					.openapi({ param: { name: "id", in: "path" } }),
			}),
		},
		responses: { 200: { description: "The web app", content: html } },
	}),
);

/** Open Graph, the oEmbed link and a title for `reel`, escaped (a caption is anyone's text). */
function previewTags(requestUrl: string, reel: Reel, picture: FrameSize): string {
	const title = `${titleOf(reel.caption, "A reel")} · @${reel.author.handle}`;
	const player = fitFrame(picture);
	const meta = (property: string, content: string | number) => `<meta property="${property}" content="${escapeHtml(String(content))}">`;
	const poster = absolute(requestUrl, reel.video.poster);
	return [
		`<link rel="canonical" href="${escapeHtml(reelPageUrl(requestUrl, reel.id))}">`,
		`<link rel="alternate" type="application/json+oembed" href="${escapeHtml(oembedUrlOf(requestUrl, reel.id))}" title="${escapeHtml(title)}">`,
		meta("og:site_name", "reels-edge"),
		meta("og:type", "video.other"),
		meta("og:title", title),
		meta("og:description", titleOf(reel.caption, `A reel by ${reel.author.name}`, 300)),
		meta("og:url", reelPageUrl(requestUrl, reel.id)),
		...(poster ? [meta("og:image", poster), meta("og:image:width", picture.width), meta("og:image:height", picture.height)] : []),
		meta("og:video:url", embedUrl(requestUrl, reel.id)),
		meta("og:video:type", "text/html"),
		meta("og:video:width", player.width),
		meta("og:video:height", player.height),
		// Unlisted: anyone with the link may watch it, but no search engine should list it.
		...(reel.visibility === "public" ? [] : ['<meta name="robots" content="noindex">']),
		`<meta name="twitter:card" content="summary_large_image">`,
	].join("");
}

/**
 * In front of the request stack on /reel/*: whatever refused the request (a limit, the database),
 * the reader still gets the web app, only without a preview.
 */
export const shellWhenRefused = (): MiddlewareHandler<AppEnv> => async (c, next) => {
	await next();
	if ((c.req.method !== "GET" && c.req.method !== "HEAD") || c.res.status === 200) return;
	const shell = await builtPage(c.env, c.req.url, APP_SHELL);
	c.res = new Response(c.req.method === "HEAD" ? null : shell.body, { status: 200, headers: PAGE_HEADERS });
	// hono carries headers set during the request over to a replaced response: a refusal's must not reach the page.
	for (const name of ["retry-after", "ratelimit", "ratelimit-policy"]) c.res.headers.delete(name);
};

export const reelPageRoutes = new OpenAPIHono<AppEnv>().openapi(reelPageRoute, async (c) => {
	const { id } = c.req.valid("param");
	const [reel, shell] = await Promise.all([
		isUuid(id) ? reelForStrangers(c.env, c.var.db, id) : undefined,
		builtPage(c.env, c.req.url, APP_SHELL),
	]);
	if (!reel) return c.body(shell.body ?? "", 200, PAGE_HEADERS);
	const picture = (await pictureSize(c.env, reel.video.id)) ?? PORTRAIT;
	const tags = previewTags(c.req.url, reel, picture);
	const title = `${titleOf(reel.caption, "A reel")} · @${reel.author.handle} · reels-edge`;
	const page = new HTMLRewriter()
		.on("title", { element: (el) => void el.setInnerContent(title) })
		.on('meta[name="description"]', {
			element: (el) => void el.setAttribute("content", escapeHtml(titleOf(reel.caption, `A reel by ${reel.author.name}`, 300))),
		})
		.on("head", { element: (el) => void el.append(tags, { html: true }) })
		.transform(shell);
	shareWithAnonymous(c);
	return c.body(page.body ?? "", 200, PAGE_HEADERS);
});
