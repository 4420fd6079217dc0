// The HTML Vite built into the static assets (web/app), fetched through the ASSETS binding so the
// Worker can add what only it knows (a reel's title, poster and links) with HTMLRewriter, a stream
// rewrite that never holds the page in memory. A page the build did not produce is a broken
// deployment, not a missing reel: 503, and the access log names it.
import { HttpProblem } from "../lib/problems/http-problem";

/** The web app's shell (index.html). */
export const APP_SHELL = "/";
/** The embed player's page (web/app/embed/index.html): only the Worker serves it, at /embed/:id. */
export const EMBED_PAGE = "/embed/";

/** What only the embed template holds: without it, the assets answered with something else. */
export const EMBED_PAGE_MARK = 'id="unavailable"';

/**
 * The built page at `path`. With `mark`, the page must contain it: the assets answer a missing file
 * with the app's shell (single-page-application), which must never go out as the embed page (framable
 * anywhere). Such a page is small (about 1 KB), so it is read whole to check.
 */
export async function builtPage(env: Env, requestUrl: string, path: string, mark?: string): Promise<Response> {
	const res = await env.ASSETS.fetch(new URL(path, requestUrl));
	const missing = () =>
		new HttpProblem(503, "page_assets_missing", `The static assets have no ${path}: build them (scripts/build-assets.ts).`);
	if (res.status !== 200) {
		await res.body?.cancel();
		throw missing();
	}
	if (!mark) return res;
	const text = await res.text();
	if (!text.includes(mark)) throw missing();
	return new Response(text, { headers: res.headers });
}
