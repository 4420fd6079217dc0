// The pages the Worker renders around a reel for strangers: the embed player (framable anywhere),
// oEmbed, and the web app's shell with a link preview. What they may show is what an anonymous
// reader of the API may see, no more; a caption never becomes markup; and the app always loads.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createApp } from "../app";
import { mediaDb } from "../lib/media-db/media-db";
import { assets, renditions } from "../lib/media-db/schema";
import { api, apiOf, ownAddress, type Session } from "../test-support/api";
import { json, person, playableVideoOf } from "../test-support/reels";
import { APP_SHELL, builtPage, EMBED_PAGE, EMBED_PAGE_MARK } from "./built-page";

type Visibility = "public" | "unlisted" | "followers" | "private";

/** A reel on a video with a manifest and a poster, as strangers may or may not see it. */
async function reelOf(owner: Session, { caption = "a sunset over the bay", visibility = "public" as Visibility } = {}) {
	const video = await playableVideoOf(owner);
	if (visibility === "followers") {
		// Followers-only needs a private account.
		expect((await api("/api/users/me", { method: "PATCH", token: owner.accessToken, json: { private: true } })).status).toBe(200);
	}
	const res = await api("/api/reels", { method: "POST", token: owner.accessToken, json: { video_id: video.id, caption, visibility } });
	expect(res.status).toBe(201);
	const reel = await json<{ id: string; video: { id: string; hls: string; poster: string } }>(res);
	// Strangers read the replica; the write's token makes a read see it.
	return { ...reel, seen: { "x-consistency-token": res.headers.get("x-consistency-token") ?? "" } };
}

/** A video's top rendition (its poster's size). */
const sized = (videoId: string, width: number, height: number) =>
	mediaDb(env)
		.insert(renditions)
		.values({ assetId: videoId, width, height, bandwidth: 1_000_000, codecs: "avc1.64001f", playlistKey: `${videoId}/${height}p.m3u8` });

const attr = (html: string, selector: RegExp) => selector.exec(html)?.[1];

describe("GET /embed/:id", () => {
	it("is a player page any site may frame, with the reel's stream, poster and link", async () => {
		const owner = await person("Embed Owner");
		const reel = await reelOf(owner);
		const res = await api(`/embed/${reel.id}`, { headers: reel.seen });
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toContain("text/html");
		const csp = res.headers.get("content-security-policy") ?? "";
		expect(csp).toContain("frame-ancestors *");
		expect(csp).toContain("script-src 'self'");
		expect(res.headers.get("x-frame-options")).toBeNull();
		const html = await res.text();
		const video = /<video[^>]*>/.exec(html)?.[0] ?? "";
		expect(attr(video, /data-src="([^"]+)"/)).toBe(reel.video.hls);
		expect(attr(video, /poster="([^"]+)"/)).toBe(reel.video.poster);
		expect(video).toContain("loop");
		expect(video).toContain("controls");
		expect(video).not.toContain("autoplay");
		expect(html).toMatch(/<title>a sunset over the bay · @[^<]+<\/title>/);
		expect(html).toContain(`href="http://x/reel/${reel.id}"`);
		expect(html).toContain('type="application/json+oembed"');
		// The built page's script: the player itself.
		expect(html).toMatch(/<script type="module"[^>]+src="\/app\/embed-[^"]+\.js"/);
	});

	it("takes autoplay (muted), loop and controls from the query, and refuses what it does not know", async () => {
		const reel = await reelOf(await person("Embed Options"));
		const video = async (query: string) =>
			/<video[^>]*>/.exec(await (await api(`/embed/${reel.id}${query}`, { headers: reel.seen })).text())?.[0] ?? "";
		const autoplaying = await video("?autoplay=1&loop=0&controls=0");
		expect(autoplaying).toContain("autoplay");
		expect(autoplaying).toContain("muted");
		expect(autoplaying).not.toContain("loop");
		expect(autoplaying).not.toContain("controls");
		expect(await video("?autoplay=true&loop=false")).toMatch(/autoplay.*muted/);
		expect(await video("?autoplay=true&loop=false")).not.toContain("loop");
		const bad = await api(`/embed/${reel.id}?autoplay=yes`, { headers: reel.seen });
		expect(bad.status).toBe(400);
		expect((await json<{ code: string }>(bad)).code).toBe("validation_failed");
	});

	it("lists the reel's caption tracks for the player's menu, the first shown when the embed starts muted", async () => {
		const owner = await person("Captioned Embed");
		const video = await playableVideoOf(owner);
		await mediaDb(env).update(assets).set({ durationMs: 3000 }).where(eq(assets.id, video.id));
		await env.MEDIA.put(`${video.prefix}/hls/master.m3u8`, "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\n0/playlist.m3u8\n");
		for (const lang of ["fr", "en"]) {
			const put = await api(`/api/videos/${video.id}/captions/${lang}`, {
				method: "PUT",
				token: owner.accessToken,
				headers: { "content-type": "text/vtt" },
				body: "WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n",
			});
			expect(put.status).toBe(201);
		}
		const res = await api("/api/reels", { method: "POST", token: owner.accessToken, json: { video_id: video.id, caption: "captioned" } });
		const reel = await json<{ id: string; video: { captions: { url: string }[] } }>(res);
		const seen = { "x-consistency-token": res.headers.get("x-consistency-token") ?? "" };
		const tracks = async (query: string) =>
			/<video[^>]*>(.*?)<\/video>/s.exec(await (await api(`/embed/${reel.id}${query}`, { headers: seen })).text())?.[1] ?? "";
		const [en, fr] = reel.video.captions.map((c) => c.url);
		expect(await tracks("")).toBe(
			`<track kind="subtitles" src="${en}" srclang="en" label="English"><track kind="subtitles" src="${fr}" srclang="fr" label="French">`,
		);
		expect(await tracks("?autoplay=1")).toContain('label="English" default>');
	});

	it("plays an unlisted reel by its link through signed URLs", async () => {
		const reel = await reelOf(await person("Unlisted Embed"), { visibility: "unlisted" });
		const html = await (await api(`/embed/${reel.id}`, { headers: reel.seen })).text();
		expect(attr(html, /data-src="([^"]+)"/)).toMatch(/^\/cdn\/s\//);
	});

	it("is the same unavailable page, 404, for a reel strangers may not see, a deleted one, and none", async () => {
		const owner = await person("Closed Embed");
		const followers = await reelOf(owner, { visibility: "followers" });
		const hidden = await reelOf(owner, { visibility: "private" });
		const deleted = await reelOf(owner);
		const del = await api(`/api/reels/${deleted.id}`, { method: "DELETE", token: owner.accessToken });
		expect(del.status).toBe(204);
		const seen = { "x-consistency-token": del.headers.get("x-consistency-token") ?? "" };
		for (const id of [followers.id, hidden.id, deleted.id, crypto.randomUUID()]) {
			const res = await api(`/embed/${id}`, { headers: seen });
			expect(res.status, id).toBe(404);
			const html = await res.text();
			expect(html).toContain("This video is unavailable.");
			expect(html).not.toContain("<video");
			expect(html).not.toMatch(/<p id="unavailable"[^>]*hidden/);
		}
		// The signed-in owner sees their private reel in the app, never in an embed: the page is for strangers.
		expect((await api(`/embed/${hidden.id}`, { token: owner.accessToken, headers: hidden.seen })).status).toBe(404);
	});

	it("writes a caption as text: markup in it never reaches the page as markup", async () => {
		const caption = `"><script>alert(1)</script><img src=x onerror=alert(2)> & more`;
		const reel = await reelOf(await person("Hostile Caption"), { caption });
		const html = await (await api(`/embed/${reel.id}`, { headers: reel.seen })).text();
		expect(html).not.toContain("<script>alert(1)");
		expect(html).not.toContain("<img src=x");
		expect(html).toMatch(/<title>"&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;img src=x onerror=alert\(2\)&gt; &amp; more · @/);
		expect(html).toMatch(
			/aria-label="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;img src=x onerror=alert\(2\)&gt; &amp; more · @/,
		);
	});

	it("is shared between strangers for a moment, with the headers that let it be framed", async () => {
		const reel = await reelOf(await person("Viral Embed"));
		const isolate = apiOf(createApp());
		// The first read follows the write (a consistency token is never shared); then a stranger fills the cache.
		expect((await isolate(`/embed/${reel.id}`, { headers: reel.seen })).status).toBe(200);
		const first = await isolate(`/embed/${reel.id}`);
		const second = await isolate(`/embed/${reel.id}`);
		expect(first.status).toBe(200);
		expect(second.headers.get("x-shared-read")).toBe("hit");
		expect(second.headers.get("content-security-policy")).toContain("frame-ancestors *");
		expect(await second.text()).toBe(await first.text());
	});
});

describe("the built pages", () => {
	it("refuses to serve as the embed page anything that is not its template (the assets answer a missing file with the app)", async () => {
		await expect(builtPage(env, "http://x/", APP_SHELL, EMBED_PAGE_MARK)).rejects.toMatchObject({
			status: 503,
			code: "page_assets_missing",
		});
		expect((await builtPage(env, "http://x/", EMBED_PAGE, EMBED_PAGE_MARK)).status).toBe(200);
	});
});

describe("GET /oembed", () => {
	it("describes a public reel: an iframe of its embed, its poster and author", async () => {
		const owner = await person("Oembed Owner");
		const reel = await reelOf(owner);
		const res = await api(`/oembed?url=${encodeURIComponent(`http://x/reel/${reel.id}`)}`, {
			headers: { ...reel.seen, origin: "https://blog.example" },
		});
		expect(res.status).toBe(200);
		expect(res.headers.get("access-control-allow-origin")).toBe("*");
		const body = await json<Record<string, unknown>>(res);
		expect(body).toMatchObject({
			version: "1.0",
			type: "video",
			provider_name: "reels-edge",
			title: "a sunset over the bay",
			author_name: owner.user.name,
			width: 360,
			height: 640,
			thumbnail_url: `http://x${reel.video.poster}`,
			thumbnail_width: 720,
			thumbnail_height: 1280,
			cache_age: 3600,
		});
		expect(body.html).toBe(
			`<iframe src="http://x/embed/${reel.id}" width="360" height="640" title="a sunset over the bay" frameborder="0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen loading="lazy"></iframe>`,
		);
	});

	it("fits the picture's own shape within maxwidth and maxheight, and takes an embed URL too", async () => {
		const reel = await reelOf(await person("Landscape Owner"));
		await sized(reel.video.id, 1280, 720);
		const ask = async (query: string) =>
			json<{ width: number; height: number; thumbnail_width: number }>(await api(`/oembed?${query}`, { headers: reel.seen }));
		const url = encodeURIComponent(`http://x/embed/${reel.id}`);
		expect(await ask(`url=${url}`)).toMatchObject({ width: 640, height: 360, thumbnail_width: 1280 });
		expect(await ask(`url=${url}&maxwidth=320`)).toMatchObject({ width: 320, height: 180 });
		expect(await ask(`url=${url}&maxwidth=320&maxheight=90`)).toMatchObject({ width: 160, height: 90 });
	});

	it("answers 404 for another host, a reel strangers may not see and no reel; 501 for XML; 400 without a url", async () => {
		const owner = await person("Oembed Refusals");
		const open = await reelOf(owner);
		const closed = await reelOf(owner, { visibility: "followers" });
		const ask = (query: string) => api(`/oembed?${query}`, { headers: closed.seen });
		const cases: [string, number, string][] = [
			[`url=${encodeURIComponent(`https://elsewhere.example/reel/${open.id}`)}`, 404, "reel_not_found"],
			[`url=${encodeURIComponent(`http://x/reel/${closed.id}`)}`, 404, "reel_not_found"],
			[`url=${encodeURIComponent(`http://x/reel/${crypto.randomUUID()}`)}`, 404, "reel_not_found"],
			[`url=${encodeURIComponent("http://x/reel/not-a-reel")}`, 404, "reel_not_found"],
			[`url=${encodeURIComponent("javascript:alert(1)")}`, 404, "reel_not_found"],
			[`url=${encodeURIComponent(`http://x/reel/${open.id}`)}&format=xml`, 501, "oembed_format_unsupported"],
			["maxwidth=100", 400, "validation_failed"],
			[`url=${encodeURIComponent(`http://x/reel/${open.id}`)}&maxwidth=-5`, 400, "validation_failed"],
		];
		for (const [query, status, code] of cases) {
			const res = await ask(query);
			expect(res.status, query).toBe(status);
			expect(res.headers.get("content-type"), query).toContain("application/problem+json");
			expect((await json<{ code: string }>(res)).code, query).toBe(code);
		}
	});
});

describe("GET /reel/:id (the web app with a link preview)", () => {
	it("writes a caption into the preview as text", async () => {
		const reel = await reelOf(await person("Hostile Preview"), { caption: `"><script>alert(1)</script>` });
		const html = await (await api(`/reel/${reel.id}`, { headers: reel.seen })).text();
		expect(html).not.toContain("<script>alert(1)");
		expect(html).toContain('<meta property="og:description" content="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">');
		expect(html).toContain('<meta name="description" content="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" />');
	});

	it("asks search engines not to list an unlisted reel, and lists a public one", async () => {
		const owner = await person("Unlisted Preview");
		const unlisted = await reelOf(owner, { visibility: "unlisted" });
		const listed = await reelOf(owner);
		expect(await (await api(`/reel/${unlisted.id}`, { headers: unlisted.seen })).text()).toContain(
			'<meta name="robots" content="noindex">',
		);
		const page = await (await api(`/reel/${listed.id}`, { headers: listed.seen })).text();
		expect(page).toContain("og:title");
		expect(page).not.toContain("noindex");
	});

	it("serves the plain app when a limit refuses the preview, without the refusal's headers", async () => {
		const one = { QUOTA_ANON_PER_HOUR: "1" } as Partial<Env>;
		const from = { headers: { "cf-connecting-ip": ownAddress() } };
		const first = await api(`/reel/${crypto.randomUUID()}`, from, one);
		expect(first.status).toBe(200);
		// The hour's one request is spent: the next is refused before the route, and still gets the app.
		expect(first.headers.get("ratelimit")).toMatch(/r=0/);
		const res = await api(`/reel/${crypto.randomUUID()}`, from, one);
		expect(res.status).toBe(200);
		expect(res.headers.get("retry-after")).toBeNull();
		expect(res.headers.get("ratelimit")).toBeNull();
		expect(await res.text()).toContain('<div id="app"');
	});

	it("carries Open Graph tags and oEmbed discovery for a reel strangers may see, under the app's own CSP", async () => {
		const owner = await person("Preview Owner");
		const reel = await reelOf(owner, { caption: "tide pools at dawn #ocean" });
		const res = await api(`/reel/${reel.id}`, { headers: reel.seen });
		expect(res.status).toBe(200);
		const csp = res.headers.get("content-security-policy") ?? "";
		expect(csp).toContain("frame-ancestors 'none'");
		expect(res.headers.get("x-frame-options")).toBe("DENY");
		const html = await res.text();
		expect(html).toContain('<div id="app"');
		expect(html).toContain(`<meta property="og:title" content="tide pools at dawn #ocean · @${owner.user.handle}">`);
		expect(html).toContain(`<meta property="og:image" content="http://x${reel.video.poster}">`);
		expect(html).toContain(`<meta property="og:video:url" content="http://x/embed/${reel.id}">`);
		expect(html).toContain(`href="http://x/oembed?url=${encodeURIComponent(`http://x/reel/${reel.id}`)}"`);
		expect(html).toMatch(/<title>tide pools at dawn #ocean · @[^<]+ · reels-edge<\/title>/);
	});

	it("is the plain app for a reel strangers may not see, an id that is none, and when the database is down", async () => {
		const owner = await person("Private Preview");
		const closed = await reelOf(owner, { caption: "only for my followers", visibility: "followers" });
		const down = { HYPERDRIVE: env.DEAD_PRIMARY, HYPERDRIVE_REPLICA: env.DEAD_REPLICA };
		for (const [path, overrides] of [
			[`/reel/${closed.id}`, {}],
			["/reel/not-a-uuid", {}],
			[`/reel/${closed.id}/extra`, {}],
			[`/reel/${crypto.randomUUID()}`, down],
		] as const) {
			const res = await api(path, { headers: closed.seen }, overrides);
			expect(res.status, path).toBe(200);
			expect(res.headers.get("retry-after"), path).toBeNull();
			expect(res.headers.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
			const html = await res.text();
			expect(html, path).toContain('<div id="app"');
			expect(html, path).not.toContain("og:");
			expect(html, path).not.toContain("only for my followers");
		}
	});
});
