// The Content-Security-Policy of the HTML the Worker serves itself. Static assets get theirs from
// web/api-docs/_headers, which the platform does not apply to a Worker's responses
// (developers.cloudflare.com/workers/static-assets/headers/), so the web app's shell served at
// /reel/:id (with its link preview) repeats it here; pages/page-policies.node.test.ts keeps the two equal.

/** The web app: scripts and styles from this origin (and the shell's one inline script, by its hash), video through blob: URLs (hls.js), no framing. */
export const APP_PAGE_CSP =
	"default-src 'self'; script-src 'self' 'sha256-fjlTdFa81VlI3DSnq2dw8TNYyqpQjstW8IoKPdKVZEM='; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The embed player (/embed/:id): what the app's player needs and nothing more (no inline style, no
 * forms), and framable by any site: that is what it is for. The page holds nothing of the reader's
 * (no credentials, no actions), so being framed by a stranger's page gives that page nothing to click.
 */
export const EMBED_PAGE_CSP =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *";
