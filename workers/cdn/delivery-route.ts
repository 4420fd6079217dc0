import { Hono } from "hono";
import type { AppEnv } from "../lib/app/app-env";
import { type ByteRange, parseRange } from "./byte-range";
import { cdnKeyFrom, deliveryCacheKey, IMMUTABLE_CACHE_CONTROL, MEDIA_CSP, mediaNotFound } from "./cdn-key";
import { mediaTypeOf } from "./media-types";

const PREFIX = "/cdn/";

interface ObjectMeta {
	size: number;
	httpEtag: string;
	uploaded: Date;
}

function baseHeaders(key: string, meta: ObjectMeta): Headers {
	return new Headers({
		"content-type": mediaTypeOf(key) ?? "application/octet-stream",
		etag: meta.httpEtag,
		"last-modified": meta.uploaded.toUTCString(),
		"accept-ranges": "bytes",
		"cache-control": IMMUTABLE_CACHE_CONTROL,
		"content-security-policy": MEDIA_CSP,
	});
}

/** RFC 9110 §13: If-None-Match wins over If-Modified-Since; weak comparison for If-None-Match. */
function notModified(req: Request, meta: ObjectMeta): boolean {
	const inm = req.headers.get("if-none-match");
	if (inm !== null) {
		const tags = inm.split(",").map((t) => t.trim().replace(/^W\//, ""));
		return tags.includes("*") || tags.includes(meta.httpEtag);
	}
	const ims = req.headers.get("if-modified-since");
	if (ims === null) return false;
	const since = Date.parse(ims);
	return Number.isFinite(since) && Math.floor(meta.uploaded.getTime() / 1000) <= Math.floor(since / 1000);
}

/**
 * GET/HEAD /cdn/<key>: originals and derived files from R2 with correct HTTP
 * caching and single-range semantics, and the edge Cache API in front of R2 for
 * plain full GETs. Bodies stream from R2; nothing is buffered.
 */
export const deliveryRoutes = new Hono<AppEnv>().on(["GET", "HEAD"], `${PREFIX}*`, async (c) => {
	const key = cdnKeyFrom(c.req.path.slice(PREFIX.length));
	if (!mediaTypeOf(key)) throw mediaNotFound();
	const req = c.req.raw;
	const plainGet =
		req.method === "GET" && !req.headers.has("range") && !req.headers.has("if-none-match") && !req.headers.has("if-modified-since");
	const cacheKey = deliveryCacheKey(req.url, key);
	const cache = caches.default;

	if (plainGet) {
		const hit = await cache.match(cacheKey);
		if (hit) {
			const res = new Response(hit.body, hit);
			res.headers.set("x-cdn-cache", "HIT");
			return res;
		}
		const object = await c.env.MEDIA.get(key);
		if (!object) throw mediaNotFound();
		const headers = baseHeaders(key, object);
		headers.set("content-length", String(object.size));
		const res = new Response(object.body, { status: 200, headers });
		c.executionCtx.waitUntil(cache.put(cacheKey, res.clone()));
		res.headers.set("x-cdn-cache", "MISS");
		return res;
	}

	const meta = await c.env.MEDIA.head(key);
	if (!meta) throw mediaNotFound();
	const headers = baseHeaders(key, meta);
	if (notModified(req, meta)) {
		headers.delete("content-type");
		return new Response(null, { status: 304, headers });
	}
	if (req.method === "HEAD") {
		headers.set("content-length", String(meta.size));
		return new Response(null, { status: 200, headers });
	}
	const range: ByteRange | undefined = parseRange(req.headers.get("range") ?? undefined, meta.size);
	// Only serve the range if the object is still the one whose size we checked.
	const object = await c.env.MEDIA.get(key, { ...(range ? { range } : {}), onlyIf: { etagMatches: meta.etag } });
	if (!object || !("body" in object)) throw mediaNotFound();
	if (!range) {
		headers.set("content-length", String(object.size));
		return new Response(object.body, { status: 200, headers });
	}
	headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${meta.size}`);
	headers.set("content-length", String(range.length));
	return new Response(object.body, { status: 206, headers });
});
