import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "../../test-support/api";
import { storeOwned } from "../../test-support/assets";
import { EVENT_PLAYLIST_CACHE_CONTROL } from "../../transcoder/publish-progressive";
import { signedMediaUrl } from "../signing/media-url-signature";

const BYTES = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

/** A public file of a fresh asset (a derived file: a video's original is never public). */
async function stored(ext = "mp4", bytes: Uint8Array = BYTES, sub = "/file") {
	return storeOwned(`2026/11/22/${crypto.randomUUID()}${sub}.${ext}`, bytes);
}

const get = (key: string, headers: Record<string, string> = {}, method = "GET") => api(`/cdn/${key}`, { method, headers });

describe("GET /cdn/<key>", () => {
	it("serves an original with type, length, strong ETag, Last-Modified, Accept-Ranges and an immutable cache policy", async () => {
		const key = await stored();
		const res = await get(key);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("video/mp4");
		expect(res.headers.get("content-length")).toBe("1000");
		expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]+"$/);
		expect(new Date(res.headers.get("last-modified") ?? "").getTime()).not.toBeNaN();
		expect(res.headers.get("accept-ranges")).toBe("bytes");
		expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
		expect(new Uint8Array(await res.arrayBuffer())).toEqual(BYTES);
	});

	it("answers the next plain GET from the edge cache", async () => {
		const key = await stored("jpg");
		const first = await exports.default.fetch(`http://x/cdn/${key}`);
		expect(first.headers.get("x-cdn-cache")).toBe("MISS");
		await first.arrayBuffer();
		let second = await exports.default.fetch(`http://x/cdn/${key}`);
		for (let i = 0; i < 200 && second.headers.get("x-cdn-cache") !== "HIT"; i++) {
			await second.arrayBuffer();
			await new Promise((r) => setTimeout(r, 25));
			second = await exports.default.fetch(`http://x/cdn/${key}`);
		}
		expect(second.headers.get("x-cdn-cache")).toBe("HIT");
		expect(new Uint8Array(await second.arrayBuffer())).toEqual(BYTES);
	});

	it("serves a playlist still being written (progressive publishing) with its own short policy, never from the edge cache", async () => {
		const key = await stored("m3u8", new Uint8Array(), "/hls/0/playlist");
		const event = { httpMetadata: { contentType: "application/vnd.apple.mpegurl", cacheControl: EVENT_PLAYLIST_CACHE_CONTROL } };
		await env.MEDIA.put(key, "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\nseg-00001.m4s\n", event);
		const first = await exports.default.fetch(`http://x/cdn/${key}`);
		expect(first.headers.get("cache-control")).toBe("public, max-age=1");
		expect(first.headers.get("x-cdn-cache")).toBeNull();
		await first.arrayBuffer();
		await env.MEDIA.put(key, "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\nseg-00001.m4s\nseg-00002.m4s\n", event);
		// Each read sees the latest text: none was kept by the edge cache (a put there would be done by now).
		for (let i = 0; i < 5; i++) expect(await (await exports.default.fetch(`http://x/cdn/${key}`)).text()).toContain("seg-00002");
		const signed = await api(await signedMediaUrl(env, key, 600));
		expect(signed.headers.get("cache-control")).toBe("private, max-age=1");
		await signed.arrayBuffer();
		// The final VOD text is written without a policy of its own: immutable, and cached at the edge.
		await env.MEDIA.put(key, "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\nseg-00001.m4s\nseg-00002.m4s\n#EXT-X-ENDLIST\n");
		const vod = await exports.default.fetch(`http://x/cdn/${key}`);
		expect(vod.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
		expect(vod.headers.get("x-cdn-cache")).toBe("MISS");
		expect(await vod.text()).toContain("#EXT-X-ENDLIST");
	});

	it("serves playlists, manifests, segments and captions with their media types", async () => {
		const id = crypto.randomUUID();
		const cases: [string, string][] = [
			["hls/master.m3u8", "application/vnd.apple.mpegurl"],
			["dash/manifest.mpd", "application/dash+xml"],
			["hls/720p/seg-001.m4s", "video/iso.segment"],
			["hls/720p/seg-002.ts", "video/mp2t"],
			["storyboard.vtt", "text/vtt; charset=utf-8"],
			["thumb.jpg", "image/jpeg"],
		];
		for (const [path, type] of cases) {
			const key = await storeOwned(`2026/11/22/${id}/${path}`, "x");
			const res = await get(key);
			expect(res.status, path).toBe(200);
			expect(res.headers.get("content-type"), path).toBe(type);
		}
	});

	it("answers HEAD with the headers and no body", async () => {
		const key = await stored();
		const res = await get(key, {}, "HEAD");
		expect(res.status).toBe(200);
		expect(res.headers.get("content-length")).toBe("1000");
		expect(res.headers.get("etag")).toMatch(/^"/);
		expect((await res.arrayBuffer()).byteLength).toBe(0);
	});

	it("answers 304 to a matching If-None-Match or a later If-Modified-Since", async () => {
		const key = await stored();
		const etag = (await get(key)).headers.get("etag") ?? "";
		expect((await get(key, { "if-none-match": etag })).status).toBe(304);
		expect((await get(key, { "if-none-match": `"other", ${etag}` })).status).toBe(304);
		expect((await get(key, { "if-none-match": '"other"' })).status).toBe(200);
		expect((await get(key, { "if-modified-since": new Date(Date.now() + 60_000).toUTCString() })).status).toBe(304);
		expect((await get(key, { "if-modified-since": new Date(Date.now() - 3_600_000).toUTCString() })).status).toBe(200);
	});

	it("serves single byte ranges with 206 and Content-Range", async () => {
		const key = await stored();
		const cases: [string, number, number][] = [
			["bytes=0-9", 0, 9],
			["bytes=990-", 990, 999],
			["bytes=-5", 995, 999],
			["bytes=500-5000", 500, 999],
		];
		for (const [range, start, end] of cases) {
			const res = await get(key, { range });
			expect(res.status, range).toBe(206);
			expect(res.headers.get("content-range"), range).toBe(`bytes ${start}-${end}/1000`);
			expect(res.headers.get("content-length"), range).toBe(String(end - start + 1));
			expect(new Uint8Array(await res.arrayBuffer()), range).toEqual(BYTES.slice(start, end + 1));
		}
	});

	it("refuses ranges past the end or several at once (416 with Content-Range */size) and malformed ones (400)", async () => {
		const key = await stored();
		for (const range of ["bytes=1000-", "bytes=5000-6000", "bytes=0-1,5-9", "bytes=-0"]) {
			const res = await get(key, { range });
			expect(res.status, range).toBe(416);
			expect(res.headers.get("content-range"), range).toBe("bytes */1000");
			expect(res.headers.get("content-type")).toBe("application/problem+json");
		}
		for (const range of ["bytes=a-b", "items=0-1", "bytes=", "bytes=9-1", "bytes=--1"]) {
			const res = await get(key, { range });
			expect(res.status, range).toBe(400);
			expect(await res.json()).toMatchObject({ code: "invalid_range" });
		}
	});

	it("refuses traversal, encoded traversal and paths that are not media keys, with 400", async () => {
		const id = crypto.randomUUID();
		for (const path of [
			`2026/11/22/${id}/../../secret.mp4`,
			`2026/11/22/${id}/%2e%2e/%2e%2e/secret.mp4`,
			`2026/11/22/${id}%2F..%2Fx.mp4`,
			"..%5c..%5cwindows.ini",
			`https://evil.example/${id}.jpg`,
			`2026/11/22/${id}.exe`,
			"etc/passwd",
		]) {
			const res = await api(`/cdn/${path}`);
			expect([400, 404], path).toContain(res.status);
			expect(res.headers.get("content-type"), path).toBe("application/problem+json");
		}
		expect((await api(`/cdn/2026/11/22/${id}/../${id}.mp4`)).status).not.toBe(200);
	});

	it("answers 404 problem+json for a well-formed key that does not exist", async () => {
		const res = await get(`2026/11/22/${crypto.randomUUID()}.mp4`);
		expect(res.status).toBe(404);
		expect(await res.json()).toMatchObject({ code: "media_not_found" });
	});
});

describe("public media across origins", () => {
	const other = { origin: "https://player.example" };

	it("can be embedded from any origin: CORS * without credentials, cross-origin CORP, and the media CSP kept", async () => {
		const key = await stored("jpg");
		for (const res of [await get(key, other), await get(key, other)]) {
			expect(res.status).toBe(200);
			expect(res.headers.get("access-control-allow-origin")).toBe("*");
			expect(res.headers.get("access-control-allow-credentials")).toBeNull();
			expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
			expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
			expect(res.headers.get("access-control-expose-headers")).toContain("Content-Range");
			await res.arrayBuffer();
		}
		const ranged = await get(key, { ...other, range: "bytes=0-9" });
		expect(ranged.status).toBe(206);
		expect(ranged.headers.get("access-control-allow-origin")).toBe("*");
	});

	it("answers a player's preflight for a range request", async () => {
		const key = await stored("m4s");
		const res = await api(`/cdn/${key}`, {
			method: "OPTIONS",
			headers: { ...other, "access-control-request-method": "GET", "access-control-request-headers": "range" },
		});
		expect(res.status).toBe(204);
		expect(res.headers.get("access-control-allow-origin")).toBe("*");
		expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("range");
	});

	it("keeps the API on its credentialed allow-list", async () => {
		const res = await api("/health", { headers: other });
		expect(res.headers.get("access-control-allow-origin")).toBeNull();
		expect(res.headers.get("cross-origin-resource-policy")).toBe("same-origin");
		expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
	});
});

describe("who may read what", () => {
	const folder = () => `2026/11/22/${crypto.randomUUID()}`;

	it("never serves a video's original unsigned, and serves it through a signed URL (its owner's)", async () => {
		const id = folder();
		const original = await storeOwned(`${id}.mp4`, BYTES);
		expect((await get(original)).status).toBe(404);
		const url = await signedMediaUrl(env, original, 600);
		const res = await api(url);
		expect(res.status).toBe(200);
		expect(res.headers.get("cache-control")).toBe("private, max-age=3600");
		expect(new Uint8Array(await res.arrayBuffer())).toEqual(BYTES);
	});

	it("serves a non-public asset's files only through a signed URL whose token reaches every file of the asset", async () => {
		const id = folder();
		const master = await storeOwned(`${id}/hls/master.m3u8`, "#EXTM3U", "signed");
		const segment = await storeOwned(`${id}/hls/0/seg-00001.m4s`, "seg", "signed");
		expect((await get(master)).status).toBe(404);
		const signed = await signedMediaUrl(env, master, 600);
		expect((await api(signed)).status).toBe(200);
		// A player resolves the playlist's relative URLs under the same token.
		const relative = new URL("0/seg-00001.m4s", `http://x${signed}`).pathname;
		expect(relative).toContain(segment);
		expect((await api(relative)).status).toBe(200);
		// Served signed, cached apart: the unsigned URL still gets nothing.
		expect((await api(signed)).headers.get("x-cdn-cache")).toBe("HIT");
		expect((await get(master)).status).toBe(404);
	});

	it("answers 404 to expired, forged and other assets' tokens, and to any token for the original", async () => {
		const id = folder();
		const file = await storeOwned(`${id}/poster.jpg`, "p", "signed");
		const original = await storeOwned(`${id}.mp4`, BYTES, "signed");
		const expired = await signedMediaUrl(env, file, 60, Date.now() - 3_600_000);
		expect((await api(expired)).status).toBe(404);
		const good = await signedMediaUrl(env, file, 600);
		// A changed MAC character, and the same MAC spelled with its spare bits set (one MAC, one spelling).
		const forged = good.replace(/\.([A-Za-z0-9_-]{43})\//, (_, mac: string) => `.${mac.startsWith("A") ? "B" : "A"}${mac.slice(1)}/`);
		expect((await api(forged)).status).toBe(404);
		const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const respelled = good.replace(
			/\.([A-Za-z0-9_-]{43})\//,
			(_, mac: string) => `.${mac.slice(0, -1)}${B64URL[B64URL.indexOf(mac.slice(-1)) + 1]}/`,
		);
		expect((await api(respelled)).status).toBe(404);
		const otherAsset = await signedMediaUrl(env, `${folder()}/poster.jpg`, 600);
		expect((await api(otherAsset.replace(/2026\/11\/22\/.*$/, file))).status).toBe(404);
		// A playback token (the asset's folder) does not open the original.
		expect((await api(good.replace(file, original))).status).toBe(404);
		const unknownKid = await signedMediaUrl({ ...env, MEDIA_URL_KEYS: JSON.stringify({ other: "z".repeat(40) }) }, file, 600);
		expect((await api(unknownKid)).status).toBe(404);
	});

	it("serves nothing of a blocked asset, signed or not, and nothing that no asset owns", async () => {
		const id = folder();
		const blocked = await storeOwned(`${id}/thumb.jpg`, "t", "blocked");
		expect((await get(blocked)).status).toBe(404);
		expect((await api(await signedMediaUrl(env, blocked, 600))).status).toBe(404);
		const orphan = `${folder()}/thumb.jpg`;
		await env.MEDIA.put(orphan, "o");
		expect((await get(orphan)).status).toBe(404);
	});
});

describe("the cached-media fast path (workers/cdn/delivery/cached-media.ts)", () => {
	it("answers a cache hit with exactly the headers the full app sends, before the app runs", async () => {
		const key = await stored("jpg");
		const { cachedMedia } = await import("./cached-media");
		const first = await exports.default.fetch(`http://x/cdn/${key}`);
		await first.arrayBuffer();
		let hit: Response | undefined;
		for (let i = 0; i < 200 && !hit; i++) {
			hit = await cachedMedia(new Request(`http://x/cdn/${key}`), env);
			if (!hit) await new Promise((r) => setTimeout(r, 25));
		}
		if (!hit) throw new Error("never cached");
		// The same hit through the whole app (its own cache lookup and every middleware).
		const viaApp = await api(`/cdn/${key}`);
		expect(viaApp.headers.get("x-cdn-cache")).toBe("HIT");
		const headers = (r: Response) =>
			[...r.headers.entries()].filter(([n]) => n !== "x-request-id" && n !== "date").sort(([a], [b]) => a.localeCompare(b));
		expect(headers(hit)).toEqual(headers(viaApp));
		expect(hit.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
		expect(new Uint8Array(await hit.arrayBuffer())).toEqual(BYTES);
	});

	it("leaves misses, signed URLs, ranges, conditional requests and bad keys to the app", async () => {
		const { cachedMedia } = await import("./cached-media");
		const key = await stored("jpg");
		expect(await cachedMedia(new Request(`http://x/cdn/${key}`), env)).toBeUndefined(); // not cached yet
		await (await exports.default.fetch(`http://x/cdn/${key}`)).arrayBuffer();
		const inits: RequestInit[] = [{ headers: { range: "bytes=0-1" } }, { headers: { "if-none-match": '"x"' } }, { method: "HEAD" }];
		for (const init of inits) {
			expect(await cachedMedia(new Request(`http://x/cdn/${key}`, init), env)).toBeUndefined();
		}
		expect(await cachedMedia(new Request("http://x/cdn/etc/passwd"), env)).toBeUndefined();
		expect(await cachedMedia(new Request(`http://x/cdn/s/token/${key}`), env)).toBeUndefined();
	});
});
