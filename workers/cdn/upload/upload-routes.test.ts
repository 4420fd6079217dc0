import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets, derivedFiles } from "../../lib/media-db/schema";
import { api, registerUser } from "../../test-support/api";
import { pngHeaderOnly, sampleJpeg, samplePng, sampleVideo } from "../../test-support/media";
import { jpegWithPersonalMetadata, leaks, pngWithPersonalMetadata, withoutJpegComments } from "../../test-support/personal-metadata";
import { orientationOf } from "./strip-metadata";

const assetsOf = (ownerId: string) => mediaDb(env).select().from(assets).where(eq(assets.ownerId, ownerId));

function form(files: Record<string, { bytes: Uint8Array; name: string; type?: string }>, fields: Record<string, string> = {}) {
	const f = new FormData();
	for (const [k, v] of Object.entries(fields)) f.append(k, v);
	for (const [field, file] of Object.entries(files))
		f.append(field, new File([file.bytes], file.name, { type: file.type ?? "application/octet-stream" }));
	return f;
}

const upload = (
	token: string | undefined,
	body: FormData | string,
	path = "/cdn/upload",
	overrides: Partial<Env> = {},
	headers: Record<string, string> = {},
) => api(path, { method: "POST", body, ...(token ? { token } : {}), headers }, overrides);

describe("POST /cdn/upload", () => {
	it("stores an image under a dated key decided by its bytes, with a thumbnail, and serves both", async () => {
		const s = await registerUser();
		const sent = sampleJpeg();
		// What is kept: the same image without FFmpeg's comment segment (metadata is stripped, see below).
		const jpeg = withoutJpegComments(sent);
		const res = await upload(s.accessToken, form({ file: { bytes: sent, name: "holiday.jpeg", type: "image/png" } }));
		expect(res.status).toBe(201);
		const body = (await res.json()) as {
			id: string;
			fileUrl: string;
			thumbnailUrl: string;
			filename: string;
			size: number;
			mimetype: string;
		};
		expect(body.fileUrl).toMatch(/^\/cdn\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f-]{36}\.jpg$/);
		expect(body).toMatchObject({
			filename: "holiday.jpeg",
			size: jpeg.length,
			mimetype: "image/jpeg",
			thumbnailUrl: body.fileUrl.replace(".jpg", "/thumb.jpg"),
		});
		expect(new Uint8Array(await (await api(body.fileUrl)).arrayBuffer())).toEqual(jpeg);
		const thumb = await api(body.thumbnailUrl);
		const info = await env.IMAGES.info(new Blob([await thumb.arrayBuffer()]).stream());
		expect(info).toMatchObject({ format: "image/jpeg", width: 320 });
		const sha256 = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", jpeg)), (b) => b.toString(16).padStart(2, "0")).join("");
		expect(await assetsOf(s.user.id)).toEqual([
			expect.objectContaining({ id: body.id, kind: "image", status: "ready", width: 1280, height: 720, checksum: sha256 }),
		]);
		const derived = await mediaDb(env).select().from(derivedFiles).where(eq(derivedFiles.assetId, body.id));
		expect(derived).toEqual([
			expect.objectContaining({ r2Key: body.thumbnailUrl.slice("/cdn/".length), role: "thumbnail", contentType: "image/jpeg" }),
		]);
	});

	it("strips where a photo was taken (Exif GPS, XMP, comments, trailers) before storing it, and keeps it upright", async () => {
		const s = await registerUser();
		const phone = jpegWithPersonalMetadata(sampleJpeg(), 6);
		expect(leaks(phone).length).toBeGreaterThan(0);
		const res = await upload(s.accessToken, form({ file: { bytes: phone, name: "IMG_0001.jpg" } }));
		expect(res.status).toBe(201);
		const { fileUrl, thumbnailUrl, size } = (await res.json()) as { fileUrl: string; thumbnailUrl: string; size: number };
		const served = new Uint8Array(await (await api(fileUrl)).arrayBuffer());
		expect(leaks(served)).toEqual([]);
		expect(served.length).toBe(size);
		const exifAt = served.findIndex((_, i) => [0x45, 0x78, 0x69, 0x66, 0, 0].every((b, j) => served[i + j] === b));
		expect(orientationOf(served.subarray(exifAt + 6))).toBe(6);
		expect(await env.IMAGES.info(new Blob([served]).stream())).toMatchObject({ format: "image/jpeg", width: 1280 });
		expect((await api(thumbnailUrl)).status).toBe(200);

		const png = await upload(s.accessToken, form({ file: { bytes: pngWithPersonalMetadata(samplePng()), name: "shot.png" } }));
		expect(png.status).toBe(201);
		const pngServed = new Uint8Array(await (await api(((await png.json()) as { fileUrl: string }).fileUrl)).arrayBuffer());
		expect(leaks(pngServed)).toEqual([]);
		expect(pngServed).toEqual(samplePng());
	});

	it("stores a video and queues it for the transcoder", async () => {
		const s = await registerUser();
		const res = await upload(s.accessToken, form({ file: { bytes: sampleVideo(), name: "clip.mp4" } }));
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({ mimetype: "video/mp4", thumbnailUrl: null });
		const [asset] = await assetsOf(s.user.id);
		expect(asset?.status).toMatch(/queued|processing/);
		// The queue consumer picks the job up and probes the real video.
		let width: number | null | undefined;
		for (let i = 0; i < 100 && !width; i++) {
			await new Promise((r) => setTimeout(r, 100));
			width = (await assetsOf(s.user.id))[0]?.width;
		}
		expect(width).toBe(180);
	});

	it("streams a large upload to R2 in parts and keeps every byte", async () => {
		const s = await registerUser();
		const big = new Uint8Array(20 * 1024 * 1024 + 123);
		big.set(new TextEncoder().encode("\0\0\0\x18ftypisom\0\0\0\0isomiso2"));
		for (let i = 32; i < big.length; i += 4093) big[i] = i % 251;
		const res = await upload(s.accessToken, form({ file: { bytes: big, name: "long.mp4" } }));
		expect(res.status).toBe(201);
		const { fileUrl } = (await res.json()) as { fileUrl: string };
		const stored = await env.MEDIA.get(fileUrl.slice("/cdn/".length));
		expect(stored?.size).toBe(big.length);
		const [a, b] = await Promise.all([
			crypto.subtle.digest("SHA-256", big),
			crypto.subtle.digest("SHA-256", (await stored?.arrayBuffer()) ?? new ArrayBuffer(0)),
		]);
		expect(new Uint8Array(b)).toEqual(new Uint8Array(a));
	});

	it("refuses bad uploads with a clear 4xx and keeps nothing", async () => {
		const s = await registerUser();
		const jpeg = sampleJpeg();
		const cases: [string, FormData | string, number, string, Partial<Env>?, Record<string, string>?][] = [
			["empty file", form({ file: { bytes: new Uint8Array(0), name: "x.jpg" } }), 400, "empty_file"],
			["wrong field name", form({ upload: { bytes: jpeg, name: "x.jpg" } }), 400, "unexpected_field"],
			["no file at all", form({}, {}), 400, "missing_file"],
			["a PNG named .mp4", form({ file: { bytes: samplePng(), name: "movie.mp4" } }), 415, "content_mismatch"],
			[
				"a script named .jpg",
				form({ file: { bytes: new TextEncoder().encode("#!/bin/sh\nrm -rf / # padding padding"), name: "cat.jpg" } }),
				415,
				"unsupported_media_type",
			],
			[
				"a truncated image",
				form({ file: { bytes: jpeg.slice(0, Math.floor(jpeg.length / 2)), name: "half.jpg" } }),
				422,
				"unreadable_image",
			],
			// Refused from its header, before any decoder sees it.
			["a decompression bomb", form({ file: { bytes: pngHeaderOnly(50_000, 50_000), name: "bomb.png" } }), 422, "image_too_large"],
			["over the size limit", form({ file: { bytes: jpeg, name: "x.jpg" } }), 413, "file_too_large", { UPLOAD_MAX_IMAGE_BYTES: "1000" }],
			["not multipart", JSON.stringify({ file: "x" }), 415, "unsupported_media_type", {}, { "content-type": "application/json" }],
		];
		for (const [what, body, status, code, overrides, headers] of cases) {
			const res = await upload(s.accessToken, body, "/cdn/upload", overrides, headers);
			expect(res.status, what).toBe(status);
			expect(await res.json(), what).toMatchObject({ code });
		}
		expect(await assetsOf(s.user.id)).toEqual([]);
	});

	it("needs a signed-in uploader", async () => {
		expect((await upload(undefined, form({ file: { bytes: sampleJpeg(), name: "x.jpg" } }))).status).toBe(401);
	});
});

describe("POST /api/videos/upload", () => {
	it("answers 202 with a status URL, keeps the title and caption, and shows the owner its status", async () => {
		const s = await registerUser();
		const res = await upload(
			s.accessToken,
			form({ file: { bytes: sampleVideo(), name: "reel.mp4" } }, { title: "Sunset", caption: "#beach at dusk" }),
			"/api/videos/upload",
		);
		expect(res.status).toBe(202);
		const body = (await res.json()) as { id: string; statusUrl: string; title: string; caption: string };
		expect(body).toMatchObject({
			status: "queued",
			title: "Sunset",
			caption: "#beach at dusk",
			statusUrl: `/api/videos/${body.id}/status`,
		});
		const status = await api(body.statusUrl, { token: s.accessToken });
		expect(status.status).toBe(200);
		expect(await status.json()).toMatchObject({ id: body.id, status: expect.stringMatching(/queued|processing/) });
		const other = await registerUser();
		expect((await api(body.statusUrl, { token: other.accessToken })).status).toBe(404);
	});

	it("takes videos only", async () => {
		const s = await registerUser();
		const res = await upload(s.accessToken, form({ file: { bytes: sampleJpeg(), name: "x.jpg" } }), "/api/videos/upload");
		expect(res.status).toBe(415);
	});
});

describe("the per-user storage quota", () => {
	it("stops a user's uploads, single-request and resumable, at the quota and keeps nothing past it", async () => {
		const s = await registerUser();
		const jpeg = sampleJpeg();
		const vars = { STORAGE_QUOTA_BYTES_PER_USER: String(Math.floor(jpeg.length * 1.5)) };
		expect((await upload(s.accessToken, form({ file: { bytes: jpeg, name: "a.jpg" } }), "/cdn/upload", vars)).status).toBe(201);
		const over = await upload(s.accessToken, form({ file: { bytes: jpeg, name: "b.jpg" } }), "/cdn/upload", vars);
		expect(over.status).toBe(413);
		expect(await over.json()).toMatchObject({ code: "storage_quota_exceeded" });
		expect(await assetsOf(s.user.id)).toHaveLength(1);
		const tus = await api(
			"/api/uploads/tus",
			{ method: "POST", token: s.accessToken, headers: { "tus-resumable": "1.0.0", "upload-length": String(jpeg.length) } },
			vars,
		);
		expect(tus.status).toBe(413);
		expect(await tus.json()).toMatchObject({ code: "storage_quota_exceeded" });
		// Somebody else's room is their own.
		const other = await registerUser();
		expect((await upload(other.accessToken, form({ file: { bytes: jpeg, name: "c.jpg" } }), "/cdn/upload", vars)).status).toBe(201);
	});
});

describe("AVIF pictures", () => {
	it("are refused unless IMAGES_AVIF_INPUT says the account's Images reads them (Enterprise only), keeping nothing", async () => {
		const s = await registerUser();
		const avif = new Uint8Array(512);
		avif.set([0, 0, 0, 0x1c, ...new TextEncoder().encode("ftypavif"), 0, 0, 0, 0, ...new TextEncoder().encode("avifmif1miaf")]);
		const res = await upload(s.accessToken, form({ file: { bytes: avif, name: "a.avif", type: "image/avif" } }));
		expect(res.status).toBe(415);
		expect(await res.json()).toMatchObject({ code: "avif_input_unavailable" });
		expect(await assetsOf(s.user.id)).toEqual([]);
		const allowed = await upload(s.accessToken, form({ file: { bytes: avif, name: "a.avif", type: "image/avif" } }), "/cdn/upload", {
			IMAGES_AVIF_INPUT: "true",
		} as Partial<Env>);
		// Past the rule, these bytes are no picture at all: the binding's refusal, not the rule's.
		expect(await allowed.json()).not.toMatchObject({ code: "avif_input_unavailable" });
	});
});

describe("the request body limit of the zone", () => {
	it("caps single-request uploads below it and points larger videos to the resumable upload", async () => {
		const s = await registerUser();
		const video = sampleVideo();
		const vars = { UPLOAD_MAX_REQUEST_BYTES: String(video.length - 1) };
		// Streamed (no Content-Length the Worker can trust up front): counted as it arrives.
		const streamed = await upload(s.accessToken, form({ file: { bytes: video, name: "big.mp4" } }), "/api/videos/upload", vars);
		expect(streamed.status).toBe(413);
		expect(await streamed.json()).toMatchObject({ code: "use_resumable_upload", detail: expect.stringContaining("/api/uploads/tus") });
		// Declared: refused before a byte is read.
		const declared = await upload(s.accessToken, "x".repeat(10), "/cdn/upload", vars, {
			"content-type": "multipart/form-data; boundary=b",
			"content-length": String(video.length + 1000),
		});
		expect(declared.status).toBe(413);
		expect(await declared.json()).toMatchObject({ code: "use_resumable_upload" });
		expect(await assetsOf(s.user.id)).toEqual([]);
		// The resumable upload takes the same video.
		const tus = await api(
			"/api/uploads/tus",
			{ method: "POST", token: s.accessToken, headers: { "tus-resumable": "1.0.0", "upload-length": String(video.length) } },
			vars,
		);
		expect(tus.status).toBe(201);
	});
});
