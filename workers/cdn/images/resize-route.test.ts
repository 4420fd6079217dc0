import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, ownAddress } from "../../test-support/api";
import { storeOwned } from "../../test-support/assets";
import { pngHeaderOnly, sampleJpeg, samplePng } from "../../test-support/media";
import { signImageUrl } from "../signing/image-url-signature";
import { normalizeOptions, parseResizeOptions } from "./resize-options";

const stored = (bytes: Uint8Array, ext = "jpg") => storeOwned(`2026/11/22/${crypto.randomUUID()}.${ext}`, bytes);

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
		for (let i = 0; i < 200 && again.headers.get("x-img-cache") !== "HIT"; i++) {
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

	it("narrows what unsigned URLs may ask for to what pages use: three qualities, two fits, two gravities", async () => {
		const key = await stored(sampleJpeg());
		for (const ok of ["width=320,quality=60", "width=320,quality=75", "width=320,fit=cover,height=320", "width=320,gravity=auto"]) {
			expect((await api(`/img/${ok}/${key}`)).status, ok).toBe(200);
		}
		for (const signed of ["width=320,quality=95", "width=320,quality=40", "width=320,fit=pad", "width=320,gravity=left"]) {
			const res = await api(`/img/${signed}/${key}`);
			expect(res.status, signed).toBe(403);
			expect(((await res.json()) as { detail: string }).detail).toMatch(/qualities 60, 75, 85/);
		}
	});

	it("gives each client a budget of uncached transforms (429 with Retry-After); cache hits and kept variants stay free", async () => {
		const key = await stored(sampleJpeg());
		const other = await stored(sampleJpeg());
		const ip = { "cf-connecting-ip": ownAddress() };
		const budget = { IMAGE_TRANSFORMS_PER_HOUR: "2" };
		const get = (path: string, who = ip) => api(path, { headers: { ...who, accept: "image/jpeg" } }, budget);
		expect((await get(`/img/width=64/${key}`)).status).toBe(200);
		expect((await get(`/img/width=128/${key}`)).status).toBe(200);
		const refused = await get(`/img/width=160/${key}`);
		expect(refused.status).toBe(429);
		expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
		expect(await refused.json()).toMatchObject({ code: "transform_budget_exhausted" });
		// Already made: served from the cache, free.
		expect((await get(`/img/width=64/${key}`)).headers.get("x-img-cache")).toBe("HIT");
		// Someone else's budget is their own.
		expect((await get(`/img/width=160/${other}`, { "cf-connecting-ip": ownAddress() })).status).toBe(200);
	});

	it("transforms only public sources: a non-public or blocked asset's pictures are a 404", async () => {
		for (const access of ["signed", "blocked"] as const) {
			const key = await storeOwned(`2026/11/22/${crypto.randomUUID()}/poster.jpg`, sampleJpeg(), access);
			expect((await api(`/img/width=320/${key}`)).status, access).toBe(404);
		}
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

	it("serves any size up to the maximum dimension (the seeds ask for 300x200), under the same budget", async () => {
		const key = await stored(sampleJpeg());
		const res = await api(`/cdn/resize/300/200/${key}`, { headers: { accept: "image/jpeg" } });
		expect(res.status).toBe(200);
		expect(await sizeOf(res)).toMatchObject({ width: 300, height: 200 });
		expect((await api(`/cdn/resize/abc/10/${key}`)).status).toBe(400);
		expect((await api(`/cdn/resize/5000/10/${key}`)).status).toBe(400);
		const ip = { "cf-connecting-ip": ownAddress() };
		const budget = { IMAGE_TRANSFORMS_PER_HOUR: "1" };
		expect((await api(`/cdn/resize/301/201/${key}`, { headers: ip }, budget)).status).toBe(200);
		expect((await api(`/cdn/resize/302/202/${key}`, { headers: ip }, budget)).status).toBe(429);
	});
});
