// The HTML Vite built into the static assets (web/app), fetched through the ASSETS binding so the
// Worker can add what only it knows (a reel's title, poster and links) with HTMLRewriter, a stream
// rewrite that never holds the page in memory. A page the build did not produce is a broken
// deployment, not a missing reel: 503, and the access log names it.
import { HttpProblem } from "../lib/problems/http-problem";

/** The web app's shell (index.html). */
export const APP_SHELL = "/";
/** The embed player's page (web/app/embed/index.html): only the Worker serves it, at /embed/:id. */
export const EMBED_PAGE = "/embed/";

export async function builtPage(env: Env, requestUrl: string, path: string): Promise<Response> {
	const res = await env.ASSETS.fetch(new URL(path, requestUrl));
	if (res.status !== 200) {
		await res.body?.cancel();
		throw new HttpProblem(503, "page_assets_missing", `The static assets have no ${path}: build them (scripts/build-assets.ts).`);
	}
	return res;
}
