import type { MiddlewareHandler } from "hono";
import { every } from "hono/combine";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../app/app-env";
import { corsFromConfig } from "./cors";
import { APP_PAGE_CSP, EMBED_PAGE_CSP } from "./page-policies";

export const STRICT_TRANSPORT = "max-age=63072000; includeSubDomains";
/** Response headers a cross-origin player may read from public media. */
export const MEDIA_EXPOSED_HEADERS = ["Content-Length", "Content-Range", "Accept-Ranges", "ETag", "Last-Modified", "X-Request-Id"];

/**
 * Public media reads: GET, HEAD and their preflights under /cdn (not uploads)
 * and /img. Everything else is the API.
 */
export function isPublicMediaRequest(method: string, path: string): boolean {
	if (method !== "GET" && method !== "HEAD" && method !== "OPTIONS") return false;
	return path.startsWith("/img/") || (path.startsWith("/cdn/") && path !== "/cdn/upload");
}

export type Surface = "api" | "media" | "oembed" | "direct-upload" | "embed-page" | "app-page";

/** Which surface a request is on: the pages the Worker renders (pages/) each have their own. */
export function surfaceOf(method: string, path: string): Surface {
	if (isPublicMediaRequest(method, path)) return "media";
	if (path === "/oembed") return "oembed";
	if (path.startsWith("/api/uploads/direct/")) return "direct-upload";
	if (path.startsWith("/embed/")) return "embed-page";
	if (path.startsWith("/reel/")) return "app-page";
	return "api";
}

/** A page's headers: secureHeaders' set, then its own CSP (after the route, so a shared answer gets it too). */
function pageHeaders(csp: string, framable: boolean): MiddlewareHandler<AppEnv> {
	const base = secureHeaders({
		strictTransportSecurity: STRICT_TRANSPORT,
		xFrameOptions: framable ? false : "DENY",
		referrerPolicy: framable ? "no-referrer" : "same-origin",
		crossOriginResourcePolicy: framable ? "cross-origin" : "same-origin",
		crossOriginOpenerPolicy: !framable,
	});
	return async (c, next) => {
		await base(c, next);
		c.header("content-security-policy", csp);
	};
}

/**
 * Security headers and CORS for each surface, decided once per request:
 *   - the API: `frame-ancestors 'none'`, same-origin resources, and CORS for
 *     the allow-listed origins with credentials (corsFromConfig);
 *   - public media: embeddable anywhere, like any video CDN: CORS `*` without
 *     credentials, `Range` and the conditional headers allowed in preflights,
 *     `Cross-Origin-Resource-Policy: cross-origin`, and the media routes' own
 *     CSP (`default-src 'none'; sandbox`) left as they set it, not overwritten;
 *   - oEmbed: the API's headers, readable from any origin without credentials;
 *   - a direct upload URL: the API's headers, and tus from any origin without credentials;
 *   - the pages the Worker renders (pages/): the embed player framable anywhere,
 *     the web app's shell with its link preview under the app's own CSP (page-policies.ts).
 */
export function surfaceHeaders(): MiddlewareHandler<AppEnv> {
	const api = secureHeaders({
		strictTransportSecurity: STRICT_TRANSPORT,
		xFrameOptions: "DENY",
		referrerPolicy: "no-referrer",
		contentSecurityPolicy: { frameAncestors: ["'none'"] },
	});
	const media = secureHeaders({
		strictTransportSecurity: STRICT_TRANSPORT,
		referrerPolicy: "no-referrer",
		crossOriginResourcePolicy: "cross-origin",
		// No COEP/COOP on media: they constrain documents, and media is embedded by other origins' documents.
		crossOriginEmbedderPolicy: false,
		crossOriginOpenerPolicy: false,
	});
	const mediaCors = cors({
		origin: "*",
		allowMethods: ["GET", "HEAD", "OPTIONS"],
		allowHeaders: ["Range", "If-None-Match", "If-Modified-Since", "Accept"],
		exposeHeaders: MEDIA_EXPOSED_HEADERS,
		maxAge: 86400,
	});
	// A direct upload URL is used by a creator's browser on the team's own site, whatever its origin:
	// the URL is the credential, so no cookie or token is ever sent with it.
	const tusCors = cors({
		origin: "*",
		allowMethods: ["POST", "HEAD", "PATCH", "DELETE", "OPTIONS"],
		allowHeaders: ["Tus-Resumable", "Upload-Length", "Upload-Metadata", "Upload-Offset", "Content-Type", "X-Requested-With"],
		exposeHeaders: [
			"Location",
			"Upload-Offset",
			"Upload-Length",
			"Upload-Metadata",
			"Tus-Resumable",
			"Tus-Version",
			"Tus-Extension",
			"Tus-Max-Size",
		],
		maxAge: 86400,
	});
	const bySurface: Record<Surface, MiddlewareHandler<AppEnv>> = {
		api: every(api, corsFromConfig()),
		media: every(media, mediaCors),
		// oEmbed is read by other sites' pages as well as their servers: public JSON, like media.
		oembed: every(api, mediaCors),
		"direct-upload": every(api, tusCors),
		"embed-page": pageHeaders(EMBED_PAGE_CSP, true),
		"app-page": pageHeaders(APP_PAGE_CSP, false),
	};
	return (c, next) => bySurface[surfaceOf(c.req.method, c.req.path)](c, next);
}
