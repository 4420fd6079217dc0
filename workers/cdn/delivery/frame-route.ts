// GET /cdn/<video folder>/thumbnail.jpg?time=2.5&width=320: a frame of a ready
// video at any time, made on the fly like Cloudflare Stream's thumbnail URLs
// (a player's preview, a share card, a cover picker). Public videos unsigned,
// others through a signed URL of the video's folder. Each distinct frame costs
// the caller one image transform of its hourly budget (as a new /img size
// does) and is kept at the edge; the asset's access is read on every request,
// cached or not, so a takedown or a reel made private stops it at once.
import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { thumbnailSize } from "../../covers/cover-pictures";
import { videoFrame } from "../../covers/video-frame";
import type { AppEnv } from "../../lib/app/app-env";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";
import { videoStatusOf } from "../../lib/media-db/video-status";
import { HttpProblem, validationFailed } from "../../lib/problems/http-problem";
import { IMMUTABLE_CACHE_CONTROL, MEDIA_CSP, mediaNotFound } from "../cdn-key";
import { ALLOWED_SIZES } from "../images/resize-options";
import { spendTransform } from "../images/transform-budget";
import { assetIdOfKey, cacheTagOf } from "../signing/media-access";
import { requested, SIGNED_CACHE_CONTROL } from "./delivery-route";

const FRAME_NAME = "/thumbnail.jpg";

const FrameQuerySchema = z.object({
	// Seconds, as a number or Stream's "2.5s".
	time: z
		.string()
		.regex(/^\d{1,5}(\.\d{1,3})?s?$/, "time is seconds from the start, like 2.5 or 2.5s")
		.transform((t) => Number.parseFloat(t)),
	width: z.coerce
		.number()
		.int()
		.refine((w) => (ALLOWED_SIZES as readonly number[]).includes(w), `width is one of ${ALLOWED_SIZES.join(", ")}`)
		.optional(),
});

/** The frame's size: `width` at the video's shape (never above the top rung, even sides), or by default the thumbnail's. */
function frameSize(rung: { width: number; height: number }, width: number | undefined) {
	if (width === undefined) return thumbnailSize(rung.width, rung.height);
	const w = Math.min(width, rung.width);
	const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
	return { width: even(w), height: even((w * rung.height) / rung.width) };
}

// Any depth before the name: the signed form has the token's segments too.
export const frameRoutes = new Hono<AppEnv>().get(`/cdn/:folder{.+}${FRAME_NAME}`, async (c) => {
	const { key, signed } = await requested(c.env, c.req.path);
	const folder = key.slice(0, -FRAME_NAME.length);
	// Only a video's own folder: `YYYY/MM/DD/<uuid>`, nothing deeper.
	if (folder.length !== 47) throw mediaNotFound();
	const asset = await mediaDb(c.env).query.assets.findFirst({
		where: and(eq(assets.id, assetIdOfKey(key)), eq(assets.kind, "video")),
		columns: { id: true, access: true, status: true, playableAt: true, durationMs: true, r2Key: true },
	});
	const readable = asset && asset.access !== "blocked" && (asset.access === "public" || signed);
	if (!asset || !readable || !asset.r2Key.startsWith(`${folder}.`)) throw mediaNotFound();
	if (videoStatusOf(asset) !== "ready" || asset.durationMs === null) {
		throw new HttpProblem(409, "video_not_ready", "Frames can be taken once the video is ready.");
	}
	const parsed = FrameQuerySchema.safeParse({ time: c.req.query("time") ?? "", width: c.req.query("width") });
	if (!parsed.success) {
		throw validationFailed(parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
	}
	const { time, width } = parsed.data;
	if (time > asset.durationMs / 1000) {
		throw new HttpProblem(422, "time_past_end", `The video is ${asset.durationMs / 1000} s long; pick a time within it.`);
	}
	const headers = new Headers({
		"content-type": "image/jpeg",
		"cache-control": signed ? SIGNED_CACHE_CONTROL : IMMUTABLE_CACHE_CONTROL,
		"content-security-policy": MEDIA_CSP,
		"cache-tag": cacheTagOf(key),
	});
	// One entry per frame and size, signed or not alike: access was decided above, for this request.
	const cacheKey = new Request(`https://frames.internal/${folder}/${time.toFixed(3)}/${width ?? "default"}.jpg`);
	const hit = await caches.default.match(cacheKey);
	if (hit) {
		headers.set("x-img-cache", "HIT");
		return new Response(hit.body, { status: 200, headers });
	}
	// A HEAD asks whether the frame exists, not for it: no decode, no budget spent.
	if (c.req.method === "HEAD") return new Response(null, { status: 200, headers });
	await spendTransform(c);
	const frame = await videoFrame(c.env, asset.id, time, (rung) => frameSize(rung, width));
	// Tagged like the video's files, so production's purge of the video's tag (a takedown, access narrowed) drops it too.
	const stored = new Response(frame.jpeg, {
		headers: { "content-type": "image/jpeg", "cache-control": IMMUTABLE_CACHE_CONTROL, "cache-tag": cacheTagOf(key) },
	});
	c.executionCtx.waitUntil(caches.default.put(cacheKey, stored));
	headers.set("x-img-cache", "MISS");
	return new Response(frame.jpeg, { status: 200, headers });
});
