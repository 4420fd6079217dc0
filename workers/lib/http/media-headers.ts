import type { MiddlewareHandler } from "hono";
import { every } from "hono/combine";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../app/app-env";
import { corsFromConfig } from "./cors";

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

/**
 * Security headers and CORS for each surface, decided once per request:
 *   - the API: `frame-ancestors 'none'`, same-origin resources, and CORS for
 *     the allow-listed origins with credentials (corsFromConfig);
 *   - public media: embeddable anywhere, like any video CDN: CORS `*` without
 *     credentials, `Range` and the conditional headers allowed in preflights,
 *     `Cross-Origin-Resource-Policy: cross-origin`, and the media routes' own
 *     CSP (`default-src 'none'; sandbox`) left as they set it, not overwritten.
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
	const forApi = every(api, corsFromConfig());
	const forMedia = every(media, mediaCors);
	return (c, next) => (isPublicMediaRequest(c.req.method, c.req.path) ? forMedia(c, next) : forApi(c, next));
}
