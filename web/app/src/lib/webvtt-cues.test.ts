import { describe, expect, it } from "vitest";
import { clock, keptCues, readCues, writeVtt } from "./webvtt-cues";

const SERVED =
	"WEBVTT\n\n00:00:01.019 --> 00:00:03.802\nthe quick brown fox\n\n00:01:03.802 --> 00:01:04.200 align:end\nTom &amp; Jerry &lt;3\n";

describe("webvtt-cues", () => {
	it("reads the server's WebVTT as plain text with each cue's start", () => {
		expect(readCues(SERVED)).toEqual([
			{ timing: "00:00:01.019 --> 00:00:03.802", start: 1.019, text: "the quick brown fox" },
			{ timing: "00:01:03.802 --> 00:01:04.200 align:end", start: 63.802, text: "Tom & Jerry <3" },
		]);
		expect(readCues("WEBVTT\n\nnot a cue\n")).toEqual([]);
	});

	it("writes corrections back with the same timings, leaving out emptied cues", () => {
		const [first, second] = readCues(SERVED) as [ReturnType<typeof readCues>[0], ReturnType<typeof readCues>[0]];
		expect(
			writeVtt([
				{ ...first, text: "The quick brown fox\n\n" },
				{ ...second, text: "  " },
			]),
		).toBe("WEBVTT\n\n00:00:01.019 --> 00:00:03.802\nThe quick brown fox\n");
		// What was read as text is written back as text, not as markup.
		expect(writeVtt([{ ...second, text: "Tom & Jerry <3 <b>" }])).toBe(
			"WEBVTT\n\n00:01:03.802 --> 00:01:04.200 align:end\nTom &amp; Jerry &lt;3 &lt;b&gt;\n",
		);
		expect(keptCues([{ ...first, text: " " }])).toEqual([]);
		expect(clock(63.8)).toBe("1:03");
	});
});
