// The hot path of the media plane: a plain GET of public media that the edge
// cache already holds, answered before the app (router, middleware) is entered.
// Everything such a response must carry is here: the cached copy's own headers
// (type, length, ETag, cache policy, the media CSP, the cache tag) and the
// public-media surface (CORS *, cross-origin CORP, the security headers), which
// a test checks are exactly what the full app would have sent. Anything else
// (a miss, a signed URL, a range, a conditional request, a bad key) goes to the app.
import { MEDIA_EXPOSED_HEADERS, STRICT_TRANSPORT } from "../../lib/http/media-headers";
import { record } from "../../lib/observability/analytics";
import { cdnKeyFrom, deliveryCacheKey } from "../cdn-key";

/** What the app's public-media surface adds (lib/http/media-headers.ts), as it adds it. */
export const MEDIA_SURFACE_HEADERS: [string, string][] = [
	["access-control-allow-origin", "*"],
	["access-control-expose-headers", MEDIA_EXPOSED_HEADERS.join(",")],
	["cross-origin-resource-policy", "cross-origin"],
	["origin-agent-cluster", "?1"],
	["referrer-policy", "no-referrer"],
	["strict-transport-security", STRICT_TRANSPORT],
	["x-content-type-options", "nosniff"],
	["x-dns-prefetch-control", "off"],
	["x-download-options", "noopen"],
	["x-frame-options", "SAMEORIGIN"],
	["x-permitted-cross-domain-policies", "none"],
	["x-xss-protection", "0"],
];

const RESERVED = /^\/cdn\/(s|resize|cache|upload)\//;

/** The cached response for a plain public GET of `/cdn/<key>`, or undefined to let the app answer. */
export async function cachedMedia(request: Request, env: Env): Promise<Response | undefined> {
	if (request.method !== "GET") return undefined;
	const h = request.headers;
	if (h.has("range") || h.has("if-none-match") || h.has("if-modified-since") || h.has("upgrade")) return undefined;
	const url = new URL(request.url);
	if (!url.pathname.startsWith("/cdn/") || RESERVED.test(url.pathname)) return undefined;
	let key: string;
	try {
		key = cdnKeyFrom(url.pathname.slice("/cdn/".length));
	} catch {
		return undefined; // the app answers bad keys with its problem details
	}
	const started = Date.now();
	const hit = await caches.default.match(deliveryCacheKey(request.url, key));
	if (!hit) return undefined;
	const res = new Response(hit.body, hit);
	for (const [name, value] of MEDIA_SURFACE_HEADERS) res.headers.set(name, value);
	res.headers.set("x-request-id", crypto.randomUUID());
	res.headers.set("x-cdn-cache", "HIT");
	// Counted, not logged: a line per segment request would be most of the log and add nothing.
	record(
		env,
		"request",
		["/cdn/*", "GET", "200", "", (request.cf as { colo?: string } | undefined)?.colo, env.ENVIRONMENT],
		[Date.now() - started, 200],
	);
	return res;
}
