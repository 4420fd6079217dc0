import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { rungsOf } from "./prefetch-start";
import { startRung } from "./start-rung";

describe("rungsOf", () => {
	it("lists each rung's height and playlist URL, resolved against the master's", () => {
		const master = [
			"#EXTM3U",
			"#EXT-X-VERSION:7",
			'#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=360x640,CODECS="avc1.64001e,mp4a.40.2"',
			"0/playlist.m3u8",
			"#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=720x1280",
			"",
			"1/playlist.m3u8",
		].join("\r\n");
		expect(rungsOf(master, "https://x.test/cdn/a/hls/master.m3u8")).toEqual([
			{ height: 640, url: "https://x.test/cdn/a/hls/0/playlist.m3u8" },
			{ height: 1280, url: "https://x.test/cdn/a/hls/1/playlist.m3u8" },
		]);
	});

	it("gives nothing for a playlist that is not a master", () => {
		expect(rungsOf("#EXTM3U\n#EXTINF:2.0,\nseg-00001.m4s\n", "https://x.test/p.m3u8")).toEqual([]);
	});
});

describe("the app shell's inline start (index.html)", () => {
	// The shell's script asks for the first reel's start rung before the app's script can: it must pick
	// the rung the player will (startRung), or the cold start fetches a playlist nobody reads.
	const shell = readFileSync(resolve(import.meta.dirname, "../../index.html"), "utf8");
	const inline = /<script>([\s\S]*?)<\/script>/.exec(shell)?.[1] ?? "";
	const master = [
		"#EXTM3U",
		'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",URI="subs/en.m3u8"',
		"#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=720x1280",
		"2/playlist.m3u8",
		"#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=360x640",
		"0/playlist.m3u8",
		"#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1080x1920",
		"3/playlist.m3u8",
		"#EXT-X-STREAM-INF:BANDWIDTH=1400000,RESOLUTION=540x960",
		"1/playlist.m3u8",
	].join("\n");
	const masterUrl = "/cdn/v/a/hls/master.m3u8";

	async function fetchedBy(innerHeight: number, { cookie = "", pathname = "/" } = {}): Promise<string[]> {
		const asked: string[] = [];
		const fetch = async (input: string | URL) => {
			const url = new URL(String(input), "https://reels.test/");
			asked.push(url.href);
			if (url.pathname === "/api/feed/for-you") return Response.json({ items: [{ video: { hls: masterUrl } }] });
			return new Response(url.pathname.endsWith("master.m3u8") ? master : "#EXTM3U\n");
		};
		const stored = new Map<string, string>();
		const localStorage = { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => stored.set(k, v) };
		runInNewContext(inline, {
			window: {},
			location: { pathname, href: `https://reels.test${pathname}` },
			document: { cookie },
			localStorage,
			crypto,
			innerHeight,
			fetch,
			URL,
		});
		// The chain settles within a few microtask turns; a settled chain asks nothing more.
		for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
		return asked;
	}

	for (const height of [500, 844, 1000, 2400]) {
		it(`fetches the rung startRung picks for a screen ${height} px tall`, async () => {
			const rungs = rungsOf(master, `https://reels.test${masterUrl}`);
			const expected = rungs[startRung(rungs, height)]?.url;
			const asked = await fetchedBy(height);
			expect(asked).toHaveLength(3);
			expect(asked[0]).toMatch(/^https:\/\/reels\.test\/api\/feed\/for-you\?limit=10&deviceId=/);
			expect(asked[1]).toBe(`https://reels.test${masterUrl}`);
			expect(asked[2]).toBe(expected);
		});
	}

	it("asks nothing on another page, or for someone signed in (their feed is not the device's)", async () => {
		expect(await fetchedBy(844, { pathname: "/search" })).toEqual([]);
		expect(await fetchedBy(844, { cookie: "a=1; reels_signed_in=1" })).toEqual([]);
	});
});
