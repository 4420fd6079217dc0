import { HttpProblem } from "../lib/problems/http-problem";

// R2 keys /cdn serves: originals `YYYY/MM/DD/<uuid>.<ext>` and files derived from
// them under `YYYY/MM/DD/<uuid>/…` (docs/architecture.md, R2 key layout).
const KEY =
	/^\d{4}\/\d{2}\/\d{2}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.[a-z0-9]{2,5}|\/[A-Za-z0-9_-]+(?:[./][A-Za-z0-9_-]+)*\.[a-z0-9]{2,5})$/;
const MAX_KEY_LENGTH = 256;

/**
 * Turns the raw path after a prefix into an R2 key, refusing anything that is
 * not one of ours: traversal (`..`, also percent-encoded), backslashes, empty
 * segments, absolute URLs, and any other shape.
 */
export function cdnKeyFrom(rawPath: string): string {
	let key: string;
	try {
		key = decodeURIComponent(rawPath);
	} catch {
		throw new HttpProblem(400, "invalid_key", "The media path is not valid.");
	}
	if (
		key.length > MAX_KEY_LENGTH ||
		key.includes("..") ||
		key.includes("\\") ||
		key.includes("//") ||
		key.includes("%") ||
		!KEY.test(key)
	) {
		throw new HttpProblem(400, "invalid_key", "The media path is not valid.");
	}
	return key;
}

/** Everything under a dated uuid is written once and never changed, so it may be cached forever. */
export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";

/** Media never needs the page's origin; this keeps an uploaded file from being run as a document. */
export const MEDIA_CSP = "default-src 'none'; sandbox";

export const mediaNotFound = () => new HttpProblem(404, "media_not_found", "No media at that path.");

/** The public URL path of an R2 key: what API responses hand out. */
export const cdnUrl = (key: string) => `/cdn/${key}`;

/** The edge-cache key under which GET /cdn/<key> keeps a full response (purging deletes the same one). */
export const deliveryCacheKey = (requestUrl: string, key: string) => new Request(new URL(cdnUrl(key), requestUrl).toString());

/**
 * Where a response served through a signed URL is cached: apart from the public
 * key, so an unsigned request can never be answered from a signed one's copy.
 */
export const signedDeliveryCacheKey = (requestUrl: string, key: string) =>
	new Request(new URL(`/cdn/__signed/${key}`, requestUrl).toString());

/** Where a new original goes: `YYYY/MM/DD/<id>.<ext>` (date-organised; ids are UUIDv7, never reused). */
export function originalKeyFor(id: string, ext: string, now = new Date()): string {
	const d = now.toISOString();
	return `${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/${id}.${ext}`;
}

/** `YYYY/MM/DD/<uuid>.mp4` → `YYYY/MM/DD/<uuid>/`: where everything made from an original lives. */
export const derivedPrefix = (originalKey: string) => `${originalKey.slice(0, originalKey.lastIndexOf("."))}/`;
