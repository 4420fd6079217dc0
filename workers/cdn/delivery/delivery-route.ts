import { Hono } from "hono";
import type { AppEnv } from "../../lib/app/app-env";
import { cdnKeyFrom, deliveryCacheKey, IMMUTABLE_CACHE_CONTROL, MEDIA_CSP, mediaNotFound, signedDeliveryCacheKey } from "../cdn-key";
import { cacheTagsOf, isOriginalVideo, mayRead } from "../signing/media-access";
import { SIGNED_PREFIX, verifyMediaToken } from "../signing/media-url-signature";
import { type ByteRange, parseRange } from "./byte-range";
import { mediaTypeOf } from "./media-types";

const PREFIX = "/cdn/";

interface ObjectMeta {
	size: number;
	httpEtag: string;
	uploaded: Date;
	httpMetadata?: R2HTTPMetadata;
}

/** Browsers and shared caches may keep public media for ever; signed media only privately, while its URL lasts. */
export const SIGNED_CACHE_CONTROL = "private, max-age=3600";

/**
 * An object stored with its own cache policy is one that changes (progressive publishing's EVENT
 * playlists, transcoder/publish-progressive.ts): it is sent with that policy, kept private when
 * signed, and never put in the edge cache. Everything else is written once, so immutable.
 */
const ownCacheControl = (meta: ObjectMeta) => meta.httpMetadata?.cacheControl;

function cacheControlOf(meta: ObjectMeta, signed: boolean): string {
	const own = ownCacheControl(meta);
	if (own) return signed ? own.replace(/\bpublic\b/, "private") : own;
	return signed ? SIGNED_CACHE_CONTROL : IMMUTABLE_CACHE_CONTROL;
}

function baseHeaders(key: string, meta: ObjectMeta, signed: boolean): Headers {
	return new Headers({
		"content-type": mediaTypeOf(key) ?? "application/octet-stream",
		etag: meta.httpEtag,
		"last-modified": meta.uploaded.toUTCString(),
		"accept-ranges": "bytes",
		"cache-control": cacheControlOf(meta, signed),
		"content-security-policy": MEDIA_CSP,
		// Every cached copy of an asset's files can be dropped at once (edge-purge.ts).
		"cache-tag": cacheTagsOf(key),
	});
}

/** `/cdn/<key>` or `/cdn/s/<token>/<key>`: the key, and whether a valid signature came with it (else 404). */
export async function requested(env: Env, path: string): Promise<{ key: string; signed: boolean }> {
	if (!path.startsWith(SIGNED_PREFIX)) return { key: cdnKeyFrom(path.slice(PREFIX.length)), signed: false };
	const rest = path.slice(SIGNED_PREFIX.length);
	const slash = rest.indexOf("/");
	const key = cdnKeyFrom(rest.slice(slash + 1));
	// Expired, forged or for another asset: the same 404 as a missing file, so a URL tells nothing.
	if (slash <= 0 || !(await verifyMediaToken(env, rest.slice(0, slash), key))) throw mediaNotFound();
	return { key, signed: true };
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
	const { key, signed } = await requested(c.env, c.req.path);
	if (!mediaTypeOf(key)) throw mediaNotFound();
	const req = c.req.raw;
	// An original is never kept at the edge: its owner fetches it rarely, and who may read it changes
	// without a purge (a failed video's original, kept to be trimmed, is read by nobody: media-access.ts).
	const cacheable =
		req.method === "GET" &&
		!req.headers.has("range") &&
		!req.headers.has("if-none-match") &&
		!req.headers.has("if-modified-since") &&
		!isOriginalVideo(key);
	const cacheKey = signed ? signedDeliveryCacheKey(req.url, key) : deliveryCacheKey(req.url, key);
	const cache = caches.default;

	if (cacheable) {
		// A cached copy was allowed when it was stored; withdrawing access purges it (edge-purge.ts).
		const hit = await cache.match(cacheKey);
		if (hit) {
			const res = new Response(hit.body, hit);
			res.headers.set("x-cdn-cache", "HIT");
			if (signed) res.headers.set("cache-control", SIGNED_CACHE_CONTROL);
			return res;
		}
	}
	if (!(await mayRead(c.env, key, signed))) throw mediaNotFound();

	if (cacheable) {
		const object = await c.env.MEDIA.get(key);
		if (!object) throw mediaNotFound();
		const headers = baseHeaders(key, object, signed);
		headers.set("content-length", String(object.size));
		const res = new Response(object.body, { status: 200, headers });
		if (ownCacheControl(object)) return res;
		const copy = res.clone();
		// The edge keeps signed media too (under its own key), but the Cache API stores nothing marked private.
		if (signed) copy.headers.set("cache-control", IMMUTABLE_CACHE_CONTROL);
		c.executionCtx.waitUntil(cache.put(cacheKey, copy));
		res.headers.set("x-cdn-cache", "MISS");
		return res;
	}

	const meta = await c.env.MEDIA.head(key);
	if (!meta) throw mediaNotFound();
	const headers = baseHeaders(key, meta, signed);
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
