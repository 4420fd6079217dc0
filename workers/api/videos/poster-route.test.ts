import { env } from "cloudflare:workers";
import { and, eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { declaredSize } from "../../cdn/images/image-header";
import { thumbnailSize } from "../../covers/cover-pictures";
import { segmentAt } from "../../covers/video-frame";
import { setAccess } from "../../lib/media-db/asset-store";
import { coverFiles, swapCover } from "../../lib/media-db/cover-store";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets, derivedFiles, imageVariants } from "../../lib/media-db/schema";
import { api, registerUser, type Session } from "../../test-support/api";
import { pngHeaderOnly, sampleJpeg, samplePng } from "../../test-support/media";
import { jpegWithPersonalMetadata, SECRETS } from "../../test-support/personal-metadata";
import { sawWrite } from "../../test-support/reels";
import { transcodedVideo } from "../../test-support/videos";

const putPoster = (owner: Session, id: string, body: BodyInit, type: string, headers: Record<string, string> = {}) =>
	api(`/api/videos/${id}/poster`, { method: "PUT", token: owner.accessToken, headers: { "content-type": type, ...headers }, body });
const putTime = (owner: Session, id: string, time: unknown) => putPoster(owner, id, JSON.stringify({ time }), "application/json");

type Cover = { poster: string; thumbnail: string; time: number | null };
type Status = { poster: string; thumbnail: string; renditions: { width: number; height: number }[] };
const statusOf = async (owner: Session, id: string) =>
	(await (await api(`/api/videos/${id}/status`, { token: owner.accessToken })).json()) as Status;
const bytesAt = async (url: string) => {
	const res = await api(new URL(url, "http://x/").pathname);
	return { status: res.status, type: res.headers.get("content-type"), bytes: new Uint8Array(await res.arrayBuffer()) };
};
const keyOf = (url: string) => url.replace(/^\/cdn\/s\/[^/]+\//, "").replace(/^\/cdn\//, "");

// Each test transcodes a real video first, and a busy CI machine can take longer than the runner's 5 s default.
describe("PUT /api/videos/:id/poster", { timeout: 60_000 }, () => {
	it("makes the poster and thumbnail from the frame at a time; the old ones are deleted and a reel shows the new ones", async () => {
		const { owner, id, prefix } = await transcodedVideo();
		const before = await statusOf(owner, id);
		const posted = await api("/api/reels", { method: "POST", token: owner.accessToken, json: { video_id: id, caption: "cover" } });
		const reelId = ((await posted.json()) as { id: string }).id;

		const res = await putTime(owner, id, 0.5);
		expect(res.status).toBe(200);
		// The reels' new URLs were written on the primary: the answer carries the token that reads them back.
		const written = res.headers.get("x-consistency-token") ?? "";
		expect(written).not.toBe("");
		const cover = (await res.json()) as Cover;
		expect(cover).toEqual({
			poster: expect.stringMatching(new RegExp(`^/cdn/s/[^/]+/${prefix}/poster-[0-9a-f]{12}\\.jpg$`)),
			thumbnail: expect.stringMatching(new RegExp(`^/cdn/s/[^/]+/${prefix}/thumb-[0-9a-f]{12}\\.jpg$`)),
			time: 0.5,
		});
		// The poster is the top rung's size, the thumbnail the transcoder's own rule.
		const top = before.renditions[0] as { width: number; height: number };
		const poster = await bytesAt(cover.poster);
		expect(poster.type).toBe("image/jpeg");
		expect(declaredSize(poster.bytes)).toMatchObject({ width: top.width, height: top.height });
		expect(declaredSize((await bytesAt(cover.thumbnail)).bytes)).toMatchObject(thumbnailSize(top.width, top.height));

		const after = await statusOf(owner, id);
		expect(keyOf(after.poster)).toBe(keyOf(cover.poster));
		expect(keyOf(after.thumbnail)).toBe(keyOf(cover.thumbnail));
		// The old pictures are gone from R2, the index and delivery.
		expect(await env.MEDIA.head(keyOf(before.poster))).toBeNull();
		expect(await env.MEDIA.head(keyOf(before.thumbnail))).toBeNull();
		expect((await bytesAt(before.poster)).status).toBe(404);
		expect(await coverFiles(mediaDb(env), id)).toEqual({ poster: keyOf(cover.poster), thumbnail: keyOf(cover.thumbnail) });
		const reel = (await (await api(`/api/reels/${reelId}`, { token: owner.accessToken, headers: sawWrite(written) })).json()) as {
			video: { poster: string; thumbnail: string };
		};
		expect(keyOf(reel.video.poster)).toBe(keyOf(cover.poster));
		expect(keyOf(reel.video.thumbnail)).toBe(keyOf(cover.thumbnail));
	});

	it("uses an uploaded image, cropped to the video's shape, without the photo's personal metadata; the old cover's image variants go", async () => {
		const { owner, id } = await transcodedVideo();
		// Public through a public reel, so grids may ask /img for resized copies of its pictures.
		expect((await api("/api/reels", { method: "POST", token: owner.accessToken, json: { video_id: id, caption: "c" } })).status).toBe(201);
		const before = await statusOf(owner, id);
		// A resized copy of the old thumbnail, as a grid would ask for it.
		expect((await api(`/img/width=160/${keyOf(before.thumbnail)}`)).status).toBe(200);
		const variantsOfOld = () =>
			mediaDb(env)
				.select()
				.from(imageVariants)
				.where(inArray(imageVariants.originalKey, [keyOf(before.thumbnail), keyOf(before.poster)]));
		expect(await variantsOfOld()).toHaveLength(1);

		const res = await putPoster(owner, id, jpegWithPersonalMetadata(sampleJpeg()), "image/jpeg");
		expect(res.status).toBe(200);
		const cover = (await res.json()) as Cover;
		expect(cover.time).toBeNull();
		const top = before.renditions[0] as { width: number; height: number };
		const poster = await bytesAt(cover.poster);
		expect(declaredSize(poster.bytes)).toMatchObject({ width: top.width, height: top.height });
		const text = new TextDecoder("latin1").decode(poster.bytes);
		for (const secret of SECRETS) expect(text).not.toContain(secret);
		expect(await variantsOfOld()).toEqual([]);
		expect((await env.MEDIA.list({ prefix: `variants/${keyOf(before.thumbnail)}` })).objects).toEqual([]);

		// A PNG works too.
		expect((await putPoster(owner, id, samplePng(), "image/png")).status).toBe(200);
	});

	it("refuses what is not a time within the video or an image we read, and changes nothing", async () => {
		const { owner, id } = await transcodedVideo();
		const before = await coverFiles(mediaDb(env), id);
		const cases: [Response, number, string][] = [
			[await putTime(owner, id, 1.5), 422, "time_past_end"],
			[await putTime(owner, id, -1), 400, "validation_failed"],
			[await putTime(owner, id, "2"), 400, "validation_failed"],
			[await putPoster(owner, id, JSON.stringify({ time: 0.2, extra: 1 }), "application/json"), 400, "validation_failed"],
			[await putPoster(owner, id, "{not json", "application/json"), 400, "malformed_request"],
			[await putPoster(owner, id, "hello", "text/plain"), 415, "unsupported_media_type"],
			// Called a PNG, but its bytes are not an image.
			[await putPoster(owner, id, "just some text, long enough to sniff", "image/png"), 415, "unsupported_media_type"],
			// A header declaring 10 gigapixels is refused before anything decodes it.
			[await putPoster(owner, id, pngHeaderOnly(100_000, 100_000), "image/png"), 422, "image_too_large"],
			// A PNG signature and nothing a decoder can read.
			[await putPoster(owner, id, pngHeaderOnly(64, 64), "image/png"), 422, "unreadable_image"],
			[await putPoster(owner, id, samplePng(), "image/png", { "content-length": "999999999" }), 413, "file_too_large"],
		];
		for (const [res, status, code] of cases) {
			expect(res.status).toBe(status);
			expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
			expect(((await res.json()) as { code: string }).code).toBe(code);
		}
		expect(await coverFiles(mediaDb(env), id)).toEqual(before);
		// Nothing left behind in R2 either: the video's folder holds the transcoder's pictures only.
		const prefix = (before as { poster: string }).poster.replace(/poster\.jpg$/, "");
		const pictures = (await env.MEDIA.list({ prefix })).objects.map((o) => o.key).filter((k) => /\/(poster|thumb)[^/]*\.jpg$/.test(k));
		expect(pictures.sort()).toEqual([`${prefix}poster.jpg`, `${prefix}thumb.jpg`]);
	});

	it("tags the cover pictures apart, so a new cover purges them and not the video's segments", async () => {
		const { owner, id } = await transcodedVideo();
		const cover = (await (await putTime(owner, id, 0.2)).json()) as Cover;
		for (const url of [cover.poster, cover.thumbnail]) {
			const res = await api(new URL(url, "http://x/").pathname);
			expect(res.headers.get("cache-tag")).toBe(`asset-${id},asset-${id}-cover`);
			await res.arrayBuffer();
		}
		const status = (await (await api(`/api/videos/${id}/status`, { token: owner.accessToken })).json()) as { hls: string };
		const master = await api(new URL(status.hls, "http://x/").pathname);
		expect(master.headers.get("cache-tag")).toBe(`asset-${id}`);
		await master.arrayBuffer();
	});

	it("takes at most 10 cover changes a video an hour, and a JSON body of a few bytes only", async () => {
		const { owner, id } = await transcodedVideo();
		for (let i = 0; i < 10; i++) expect((await putTime(owner, id, 0.1 * i)).status).toBe(200);
		const refused = await putTime(owner, id, 0.5);
		expect(refused.status).toBe(429);
		expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
		expect(((await refused.json()) as { code: string }).code).toBe("rate_limited");
		const big = await putPoster(owner, id, JSON.stringify({ time: 0.1, pad: "x".repeat(2000) }), "application/json");
		expect(big.status).toBe(413);
		expect(((await big.json()) as { code: string }).code).toBe("body_too_large");
	});

	it("is the owner's only, and only once the video is ready", async () => {
		const { id } = await transcodedVideo();
		const stranger = await registerUser();
		const res = await putTime(stranger, id, 0.1);
		expect(res.status).toBe(404);
		expect(((await res.json()) as { code: string }).code).toBe("video_not_found");

		const { owner, id: other } = await transcodedVideo();
		await mediaDb(env).update(assets).set({ status: "processing" }).where(eq(assets.id, other));
		expect((await putTime(owner, other, 0.1)).status).toBe(409);
	});

	it("lists a change only over the cover it read, and never on a video being taken down", async () => {
		const { id } = await transcodedVideo();
		const db = mediaDb(env);
		const old = (await coverFiles(db, id)) as { poster: string; thumbnail: string };
		const next = (n: string) => ({ poster: { key: `${n}-p.jpg`, bytes: 1 }, thumbnail: { key: `${n}-t.jpg`, bytes: 1 } });
		expect(await swapCover(db, id, old, next("first"))).toBe(true);
		// A second change that read the same cover loses: nothing of it is listed.
		expect(await swapCover(db, id, old, next("second"))).toBe(false);
		const listed = await db
			.select({ key: derivedFiles.r2Key })
			.from(derivedFiles)
			.where(and(eq(derivedFiles.assetId, id), inArray(derivedFiles.role, ["poster", "thumbnail"])));
		expect(listed.map((r) => r.key).sort()).toEqual(["first-p.jpg", "first-t.jpg"]);
		await setAccess(db, { id }, "blocked");
		expect(await swapCover(db, id, { poster: "first-p.jpg", thumbnail: "first-t.jpg" }, next("third"))).toBe(false);
	});
});

describe("segmentAt", () => {
	const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI="init.m4s"\n#EXTINF:2.000000,\nseg-00001.m4s\n#EXTINF:2.000000,\nseg-00002.m4s\n#EXTINF:0.500000,\nseg-00003.m4s\n#EXT-X-ENDLIST\n`;
	it("finds the segment on screen at a time and how far into it", () => {
		expect(segmentAt(playlist, 0)).toEqual({ init: "init.m4s", segment: "seg-00001.m4s", offset: 0 });
		expect(segmentAt(playlist, 2)).toEqual({ init: "init.m4s", segment: "seg-00002.m4s", offset: 0 });
		expect(segmentAt(playlist, 4.25)).toEqual({ init: "init.m4s", segment: "seg-00003.m4s", offset: 0.25 });
		// Past the end: the last segment's end (its last frame).
		expect(segmentAt(playlist, 9)).toEqual({ init: "init.m4s", segment: "seg-00003.m4s", offset: 0.5 });
	});
	it("refuses a playlist of another shape", () => {
		expect(segmentAt("#EXTM3U\n#EXTINF:2,\na.ts\n", 0)).toBeNull();
		expect(segmentAt('#EXTM3U\n#EXT-X-MAP:URI="init.m4s"\n', 0)).toBeNull();
	});
});
