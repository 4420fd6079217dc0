// GET /embed/:id: the reel in a page any site may frame (an iframe from oEmbed or copied by hand),
// like Stream's and Mux's players. The page is the one Vite built (web/app/embed), with the reel's
// title, poster, stream and links written in by HTMLRewriter; its script plays HLS natively or
// with hls.js and counts one view. Only what a stranger may see (stranger-reel.ts): a reel that is
// private, followers-only, hidden, not yet playable or gone is the same 404 page, so a frame says
// nothing about which. Its security headers (framable anywhere, nothing else loosened) come from
// lib/http/media-headers.ts, so a shared answer carries them too.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Reel } from "../api/reels/reel-schemas";
import type { AppEnv } from "../lib/app/app-env";
import { withStackProblems } from "../lib/app/request-stack";
import { escapeHtml } from "../lib/encoding/escape-html";
import { shareWithAnonymous } from "../lib/http/shared-reads";
import { builtPage, EMBED_PAGE, EMBED_PAGE_MARK } from "./built-page";
import { titleOf } from "./html-text";
import { oembedUrlOf, reelPageUrl } from "./page-urls";
import { reelForStrangers } from "./stranger-reel";

// "1"/"0" as documented; "true"/"false" as people also write them.
const flag = z
	.enum(["0", "1", "true", "false"])
	.transform((v) => (v === "true" ? "1" : v === "false" ? "0" : v))
	.optional();

export const EmbedQuerySchema = z.object({
	autoplay: flag.openapi({ description: "1: start playing at once, muted (browsers allow no other autoplay)" }),
	muted: flag.openapi({ description: "1: start muted (the default when autoplaying)" }),
	loop: flag.openapi({ description: "0: stop at the end (reels loop by default)" }),
	controls: flag.openapi({ description: "0: hide the player's controls" }),
});
type EmbedOptions = z.infer<typeof EmbedQuerySchema>;

const html = { "text/html": { schema: z.string() } };

const embedRoute = createRoute(
	withStackProblems({
		method: "get",
		path: "/embed/{id}",
		tags: ["pages"],
		summary: "An embeddable player for a reel (HTML, framable from any origin)",
		description:
			'For public reels, and unlisted ones by their link; anything else is the same 404 page. `<iframe src="…/embed/{id}?autoplay=1" allow="autoplay; fullscreen; picture-in-picture">`; `GET /oembed` writes the iframe for you.',
		request: { params: z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) }), query: EmbedQuerySchema },
		responses: {
			200: { description: "The player page", content: html },
			404: { description: "Not there for strangers: the page says the video is unavailable", content: html },
		},
	}),
);

/** The built page with `reel` written in; without a reel, the page that says it is unavailable. */
function embedRewriter(requestUrl: string, reel: Reel | undefined, options: EmbedOptions): HTMLRewriter {
	const rewriter = new HTMLRewriter();
	if (!reel) {
		return rewriter
			.on("video", { element: (el) => void el.remove() })
			.on("#watch", { element: (el) => void el.remove() })
			.on("#unavailable", { element: (el) => void el.removeAttribute("hidden") });
	}
	const title = `${titleOf(reel.caption, "A reel")} · @${reel.author.handle}`;
	const page = reelPageUrl(requestUrl, reel.id);
	const autoplay = options.autoplay === "1";
	const links = `<link rel="canonical" href="${escapeHtml(page)}"><link rel="alternate" type="application/json+oembed" href="${escapeHtml(oembedUrlOf(requestUrl, reel.id))}" title="${escapeHtml(title)}">`;
	return rewriter
		.on("title", { element: (el) => void el.setInnerContent(title) })
		.on("head", { element: (el) => void el.append(links, { html: true }) })
		.on("video", {
			element: (el) => {
				el.setAttribute("data-src", reel.video.hls ?? "");
				el.setAttribute("data-reel", reel.id);
				// HTMLRewriter escapes only the quote in an attribute; a caption is escaped whole, so `&quot;` stays text.
				el.setAttribute("aria-label", escapeHtml(title));
				if (reel.video.poster) el.setAttribute("poster", reel.video.poster);
				if (autoplay) el.setAttribute("autoplay", "");
				if (autoplay || options.muted === "1") el.setAttribute("muted", "");
				if (options.loop !== "0") el.setAttribute("loop", "");
				if (options.controls !== "0") el.setAttribute("controls", "");
				// Caption tracks for the player's own menu; a muted embed shows the first at once (most are watched muted).
				const showFirst = autoplay || options.muted === "1";
				el.append(
					reel.video.captions
						.map(
							(t, i) =>
								`<track kind="subtitles" src="${escapeHtml(t.url)}" srclang="${escapeHtml(t.lang)}" label="${escapeHtml(t.label)}"${showFirst && i === 0 ? " default" : ""}>`,
						)
						.join(""),
					{ html: true },
				);
			},
		})
		.on("#watch", {
			element: (el) => {
				el.setAttribute("href", page);
				el.setInnerContent(`@${reel.author.handle}`);
			},
		});
}

export const embedRoutes = new OpenAPIHono<AppEnv>().openapi(embedRoute, async (c) => {
	const reel = await reelForStrangers(c.env, c.var.db, c.req.valid("param").id);
	const page = await builtPage(c.env, c.req.url, EMBED_PAGE, EMBED_PAGE_MARK);
	// Who may see it is decided per request, so no cache may keep the page longer than the shared reads do.
	const headers = { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" };
	const body = embedRewriter(c.req.url, reel, c.req.valid("query")).transform(page).body ?? "";
	if (!reel) return c.body(body, 404, headers);
	shareWithAnonymous(c);
	return c.body(body, 200, headers);
});
