import { describe, expect, it } from "vitest";
import { composePlaylist, playlistSeconds, publishedPath, segmentEntries, segmentOf } from "./live-playlists";

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
		const text = composePlaylist([], ffmpegPlaylist(["seg00000.ts", "seg00001.ts"]), 0, false);
		expect(text).toContain("#EXTINF:1.000000,\ng0-seg00000.ts\n#EXTINF:1.000000,\ng0-seg00001.ts\n");
		expect(text).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
		expect(text).not.toContain("ENDLIST");
		expect(text).not.toContain("DISCONTINUITY");
	});

	it("continues a new generation after the old one's segments and a DISCONTINUITY, and ends with ENDLIST", () => {
		const first = composePlaylist([], ffmpegPlaylist(["seg00000.ts", "seg00001.ts"]), 0, false);
		const carried = segmentEntries(first);
		const second = composePlaylist(carried, ffmpegPlaylist(["seg00000.ts"], { discontinuityFirst: true }), 1, true);
		expect(second).toContain("g0-seg00001.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:1.000000,\ng1-seg00000.ts\n#EXT-X-ENDLIST\n");
		expect(second.match(/DISCONTINUITY/g)).toHaveLength(1);
		expect(playlistSeconds(second)).toBe(3);
	});

	it("keeps a reconnecting publisher's discontinuity inside one generation", () => {
		const text = composePlaylist(
			[],
			ffmpegPlaylist(["seg00000.ts"]).replace("seg00000.ts\n", "seg00000.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:0.9,\nseg00001.ts\n"),
			0,
			false,
		);
		expect(text).toContain("g0-seg00000.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:0.9,\ng0-seg00001.ts");
	});
});
