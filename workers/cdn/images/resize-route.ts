import { type Context, Hono } from "hono";
import type { AppEnv } from "../../lib/app/app-env";
import { HttpProblem } from "../../lib/problems/http-problem";
import { cdnKeyFrom, IMMUTABLE_CACHE_CONTROL, MEDIA_CSP, mediaNotFound } from "../cdn-key";
import { verifyImageUrl } from "../signing/image-url-signature";
import { cacheTagsOf, mayRead } from "../signing/media-access";
import { openImageSource } from "./image-limits";
import { keepVariant, storedVariant, variantCacheKey } from "./image-variants";
import { imagesProblem } from "./images-errors";
import {
	ALLOWED_SIZES,
	isAllowListed,
	negotiateFormat,
	normalizeOptions,
	outputSize,
	parseResizeOptions,
	type ResizeOptions,
	UNSIGNED_FITS,
	UNSIGNED_GRAVITIES,
	UNSIGNED_QUALITIES,
} from "./resize-options";
import { spendTransform } from "./transform-budget";

const OUTPUT_TYPES = { avif: "image/avif", webp: "image/webp", jpeg: "image/jpeg", png: "image/png" } as const;
type OutputFormat = keyof typeof OUTPUT_TYPES;

const formatOfType = (type: string): OutputFormat | undefined =>
	(Object.keys(OUTPUT_TYPES) as OutputFormat[]).find((f) => OUTPUT_TYPES[f] === type.split(";")[0]?.trim());

const unreadable = () => new HttpProblem(422, "unreadable_image", "The source is not an image we can transform.");

/**
 * Resizes `key` with the Images binding. Order matters for abuse resistance:
 * options and key are validated, the signature checked (sizes off the
 * allow-list), the source's pixel count read from its header (before any
 * decode) and capped; only then is the image decoded. Results are cached at
 * the edge per normalised options and negotiated format.
 */
async function resize(c: Context<AppEnv>, options: ResizeOptions, rawKey: string, { anySize = false } = {}) {
	const key = cdnKeyFrom(rawKey);
	const normalized = normalizeOptions(options);
	if (!isAllowListed(options, { anySize })) {
		const sig = c.req.query("sig");
		if (!sig || !(await verifyImageUrl(c.env, normalized, key, sig))) {
			throw new HttpProblem(
				403,
				"signature_required",
				`Unsigned URLs take widths and heights of ${ALLOWED_SIZES.join(", ")} px, qualities ${UNSIGNED_QUALITIES.join(", ")}, fit ${UNSIGNED_FITS.join(" or ")} and gravity ${UNSIGNED_GRAVITIES.join(" or ")}; anything else needs a URL signed with IMAGE_URL_KEYS (docs/security.md).`,
			);
		}
	}
	const format = negotiateFormat(options.format, c.req.header("accept"));
	const cacheKey = variantCacheKey(key, normalized, format);
	const varyHeaders = (h: Headers) => {
		if (options.format === "auto") h.set("vary", "Accept");
	};
	const hit = await caches.default.match(cacheKey);
	if (hit) {
		const res = new Response(hit.body, hit);
		res.headers.set("x-img-cache", "HIT");
		varyHeaders(res.headers);
		return res;
	}
	// Only public sources are transformed (a non-public reel's poster is reached through its signed URL instead).
	if (!(await mayRead(c.env, key, false))) throw mediaNotFound();

	const headers = new Headers({
		"content-type": OUTPUT_TYPES[format],
		"cache-control": IMMUTABLE_CACHE_CONTROL,
		"content-security-policy": MEDIA_CSP,
		"cache-tag": cacheTagsOf(key),
	});
	varyHeaders(headers);
	const kept = await storedVariant(c.env, key, normalized, format);
	if (kept) {
		if (kept.httpMetadata?.contentType) headers.set("content-type", kept.httpMetadata.contentType);
		const res = new Response(kept.body, { status: 200, headers });
		c.executionCtx.waitUntil(caches.default.put(cacheKey, res.clone()));
		res.headers.set("x-img-cache", "STORED");
		return res;
	}

	// From here on the request costs a transform: it spends the caller's budget (cache hits above are free).
	await spendTransform(c);
	// One R2 read: the header checked against the pixel cap from the first bytes of the stream (our own
	// parser, no decoder involved, and no info() call: each binding call is a billed transformation),
	// then the same stream to the transform.
	const source = await openImageSource(c.env, key);
	if (!source) throw mediaNotFound();
	if (!source.size) {
		await source.body.cancel();
		throw unreadable();
	}
	const { width, height } = outputSize(options);
	let bytes: Uint8Array;
	let made = format;
	try {
		const output = await c.env.IMAGES.input(source.body)
			.transform({ ...(width ? { width } : {}), ...(height ? { height } : {}), fit: options.fit, gravity: options.gravity })
			.output({ format: OUTPUT_TYPES[format], quality: options.quality });
		// The type is the output's, not the one asked for: AVIF falls back to WebP or JPEG for large images.
		made = formatOfType(output.contentType()) ?? format;
		// A variant is small and bounded (at most 4096 px a side): buffer it once to keep it in R2 and answer.
		bytes = new Uint8Array(await output.response().arrayBuffer());
	} catch (err) {
		throw imagesProblem(err, unreadable);
	}
	headers.set("content-type", OUTPUT_TYPES[made]);
	// A takedown may have begun while the transform ran: then nothing is kept or cached (keepVariant).
	if (!(await keepVariant(c.env, key, normalized, format, bytes, OUTPUT_TYPES[made]))) throw mediaNotFound();
	const res = new Response(bytes, { status: 200, headers });
	c.executionCtx.waitUntil(caches.default.put(cacheKey, res.clone()));
	res.headers.set("x-img-cache", "MISS");
	return res;
}

/**
 * GET /img/<options>/<key> (Cloudflare's option grammar) and the seed-compatible
 * GET /cdn/resize/<width>/<height>/<key> (fit=cover). Mounted before /cdn/*.
 */
export const resizeRoutes = new Hono<AppEnv>()
	.get("/img/:options/*", (c) => {
		const options = parseResizeOptions(c.req.param("options"));
		return resize(c, options, c.req.path.slice(`/img/${c.req.param("options")}/`.length));
	})
	.get("/cdn/resize/:width/:height/*", (c) => {
		const options = parseResizeOptions(`width=${c.req.param("width")},height=${c.req.param("height")},fit=cover`);
		// The seeds' clients ask for any size here: served up to the maximum dimension, under the same budget and variant cap.
		return resize(c, options, c.req.path.slice(`/cdn/resize/${c.req.param("width")}/${c.req.param("height")}/`.length), {
			anySize: true,
		});
	});
