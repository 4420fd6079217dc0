import { describe, expect, it } from "vitest";
import { entriesSeconds, entriesToAppend, playlistOf, publishedPath, segmentEntries, segmentOf } from "./live-playlists";

const ffmpegPlaylist = (names: string[], { discontinuityFirst = false } = {}) =>
	[
		"#EXTM3U",
		"#EXT-X-VERSION:6",
		"#EXT-X-TARGETDURATION:1",
		"#EXT-X-MEDIA-SEQUENCE:0",
		"#EXT-X-PLAYLIST-TYPE:EVENT",
		...(discontinuityFirst ? ["#EXT-X-DISCONTINUITY"] : []),
		"#EXT-X-INDEPENDENT-SEGMENTS",
		...names.flatMap((n) => ["#EXTINF:1.000000,", n]),
		"",
	].join("\n");

describe("live playlists", () => {
	it("names segments after their generation and leaves other files where they are", () => {
		expect(publishedPath(2, "hls/1/seg00007.ts")).toBe("hls/1/g2-seg00007.ts");
		expect(publishedPath(0, "hls/master.m3u8")).toBe("hls/master.m3u8");
		expect(publishedPath(0, "poster.jpg")).toBe("poster.jpg");
		expect(segmentOf("hls/1/seg00007.ts")).toEqual({ rung: 1, n: 7 });
		expect(segmentOf("hls/1/index.m3u8")).toBeNull();
	});

	it("publishes the first generation as it is, with generation-named segments and no ENDLIST while live", () => {
		const entries = segmentEntries(ffmpegPlaylist(["seg00000.ts", "seg00001.ts"]), 0);
		const text = playlistOf(entriesToAppend(entries, 0, false), false);
		expect(text).toContain("#EXTINF:1.000000,\ng0-seg00000.ts\n#EXTINF:1.000000,\ng0-seg00001.ts\n");
		expect(text).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
		expect(text).not.toContain("ENDLIST");
		expect(text).not.toContain("DISCONTINUITY");
	});

	it("appends only what is new, and a new generation after a DISCONTINUITY; the end gets ENDLIST", () => {
		const stored: string[] = [];
		const first = segmentEntries(ffmpegPlaylist(["seg00000.ts"]), 0);
		stored.push(...entriesToAppend(first, 0, false));
		const more = segmentEntries(ffmpegPlaylist(["seg00000.ts", "seg00001.ts"]), 0);
		stored.push(...entriesToAppend(more, first.length, false));
		expect(stored.filter((l) => l.endsWith(".ts"))).toEqual(["g0-seg00000.ts", "g0-seg00001.ts"]);
		const second = segmentEntries(ffmpegPlaylist(["seg00000.ts"], { discontinuityFirst: true }), 1);
		stored.push(...entriesToAppend(second, 0, true));
		const text = playlistOf(stored, true);
		expect(text).toContain("g0-seg00001.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:1.000000,\ng1-seg00000.ts\n#EXT-X-ENDLIST\n");
		expect(text.match(/DISCONTINUITY/g)).toHaveLength(1);
		expect(entriesSeconds(stored)).toBe(3);
	});

	it("keeps a reconnecting publisher's discontinuity inside one generation", () => {
		const text = ffmpegPlaylist(["seg00000.ts"]).replace("seg00000.ts\n", "seg00000.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:0.9,\nseg00001.ts\n");
		expect(playlistOf(segmentEntries(text, 0), false)).toContain("g0-seg00000.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:0.9,\ng0-seg00001.ts");
	});

	it("declares the longest segment as the target duration", () => {
		expect(playlistOf(["#EXTINF:2.4,", "g0-seg00000.ts"], false)).toContain("#EXT-X-TARGETDURATION:3\n");
	});
});
