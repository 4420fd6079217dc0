import { describe, expect, it } from "vitest";
import { rungsOf } from "./prefetch-start";

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
