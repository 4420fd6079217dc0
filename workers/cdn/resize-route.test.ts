import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "../test-support/api";
import { pngHeaderOnly, sampleJpeg, samplePng } from "../test-support/media";
import { signImageUrl } from "./image-url-signature";
import { normalizeOptions, parseResizeOptions } from "./resize-options";

async function stored(bytes: Uint8Array, ext = "jpg") {
	const key = `2026/11/22/${crypto.randomUUID()}.${ext}`;
	await env.MEDIA.put(key, bytes);
	return key;
}

async function sizeOf(res: Response) {
	const info = await env.IMAGES.info(new Blob([await res.arrayBuffer()]).stream());
	return "width" in info ? { format: info.format, width: info.width, height: info.height } : { format: info.format };
}

describe("GET /img/<options>/<key>", () => {
	it("resizes a real 1280x720 JPEG to 320 px wide, in the format the client accepts, and says Vary: Accept", async () => {
		const key = await stored(sampleJpeg());
		const res = await api(`/img/width=320,format=auto/${key}`, { headers: { accept: "image/webp,*/*" } });
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("image/webp");
		expect(res.headers.get("vary")).toContain("Accept");
		expect(res.headers.get("cache-control")).toContain("immutable");
		// The media CSP survives the app-wide security headers, and any page may use the image.
		expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
		expect(res.headers.get("access-control-allow-origin")).toBe("*");
		expect(await sizeOf(res)).toEqual({ format: "image/webp", width: 320, height: 180 });
	});

	it("honours fit=cover with both sides, dpr and an explicit format", async () => {
		const key = await stored(sampleJpeg());
		const res = await api(`/img/width=160,height=160,fit=cover,dpr=2,format=png/${key}`);
		expect(res.headers.get("content-type")).toBe("image/png");
		expect(res.headers.get("vary") ?? "").not.toContain("Accept");
		expect(await sizeOf(res)).toEqual({ format: "image/png", width: 320, height: 320 });
	});

	it("serves a repeat from the edge cache", async () => {
		const key = await stored(sampleJpeg());
		const path = `/img/width=240,format=jpeg/${key}`;
		expect((await api(path)).headers.get("x-img-cache")).toBe("MISS");
		let again = await api(path);
		for (let i = 0; i < 20 && again.headers.get("x-img-cache") !== "HIT"; i++) {
			await new Promise((r) => setTimeout(r, 25));
			again = await api(path);
		}
		expect(again.headers.get("x-img-cache")).toBe("HIT");
	});

	it("needs a valid signature for sizes off the allow-list, from the current or the previous key", async () => {
		const key = await stored(sampleJpeg());
		const options = "width=333";
		expect((await api(`/img/${options}/${key}`)).status).toBe(403);
		expect((await api(`/img/${options}/${key}?sig=img-current.${"A".repeat(43)}`)).status).toBe(403);
		const sig = await signImageUrl(env, normalizeOptions(parseResizeOptions(options)), key);
		const ok = await api(`/img/${options}/${key}?sig=${sig}`);
		expect(ok.status).toBe(200);
		expect(await sizeOf(ok)).toMatchObject({ width: 333 });
		// The same signature does not carry over to another size or another image.
		expect((await api(`/img/width=334/${key}?sig=${sig}`)).status).toBe(403);
		expect((await api(`/img/${options}/${await stored(sampleJpeg())}?sig=${sig}`)).status).toBe(403);
		const previous = await signImageUrl(
			{ ...env, IMAGE_URL_KEYS: JSON.stringify({ "img-previous": "p".repeat(40) }) },
			normalizeOptions(parseResizeOptions(options)),
			key,
		);
		expect((await api(`/img/${options}/${key}?sig=${previous}`)).status).toBe(200);
	});

	it("refuses a decompression bomb from its header alone with 422", async () => {
		const key = await stored(pngHeaderOnly(50_000, 50_000), "png");
		const res = await api(`/img/width=320/${key}`);
		expect(res.status).toBe(422);
		expect(await res.json()).toMatchObject({ code: "image_too_large" });
	});

	it("refuses a truncated image and a file that is not an image with 422", async () => {
		const jpeg = sampleJpeg();
		for (const bytes of [jpeg.slice(0, Math.floor(jpeg.length / 3)), new TextEncoder().encode("<script>alert(1)</script>")]) {
			const res = await api(`/img/width=320/${await stored(bytes)}`);
			expect(res.status).toBe(422);
			expect(await res.json()).toMatchObject({ code: "unreadable_image" });
		}
	});

	it("answers unknown options, absurd sizes, traversal and missing images with clear 4xx", async () => {
		const key = await stored(samplePng(), "png");
		expect((await api(`/img/width=320,blur=50/${key}`)).status).toBe(400);
		expect((await api(`/img/width=100000/${key}`)).status).toBe(400);
		expect((await api(`/img/width=320/2026/11/22/..%2F..%2Fsecret.png`)).status).toBe(400);
		expect((await api(`/img/width=320/https%3A%2F%2Fevil.example%2Fx.png`)).status).toBe(400);
		const missing = await api(`/img/width=320/2026/11/22/${crypto.randomUUID()}.png`);
		expect(missing.status).toBe(404);
	});
});

describe("GET /cdn/resize/:width/:height/<key> (seed-compatible)", () => {
	it("crops to exactly width x height", async () => {
		const key = await stored(sampleJpeg());
		const res = await api(`/cdn/resize/320/320/${key}`, { headers: { accept: "image/jpeg" } });
		expect(res.status).toBe(200);
		expect(await sizeOf(res)).toMatchObject({ width: 320, height: 320 });
	});

	it("is held to the same allow-list", async () => {
		const key = await stored(sampleJpeg());
		expect((await api(`/cdn/resize/301/301/${key}`)).status).toBe(403);
		expect((await api(`/cdn/resize/abc/10/${key}`)).status).toBe(400);
	});
});
