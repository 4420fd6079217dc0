import { describe, expect, it } from "vitest";
import { HttpProblem } from "../lib/problems/http-problem";
import { parseCaptions, plainText, sanitiseCueText, toWebVtt } from "./caption-text";

const problemOf = (f: () => unknown) => {
	try {
		f();
	} catch (err) {
		if (err instanceof HttpProblem) return { status: err.status, code: err.code, detail: err.detail };
		throw err;
	}
	throw new Error("no problem thrown");
};

describe("parseCaptions", () => {
	it("reads WebVTT: identifiers, short timestamps, kept settings; notes, styles and regions dropped", () => {
		const cues = parseCaptions(
			"\uFEFFWEBVTT - a title\nKind: captions\n\nSTYLE\n::cue { background: url(https://evil.test/x) }\n\nNOTE a comment\n\nREGION\nid:r1\n\n" +
				"intro\n00:00.500 --> 00:01.250 align:start line:10% region:r1 vertical:rl position:20%,line-left\nHello <b>there</b>\n\n" +
				"00:00:01.250 --> 00:00:02.000\r\nSecond line\r\nand a third\r\n",
			10,
		);
		expect(cues).toEqual([
			{ start: 0.5, end: 1.25, text: "Hello <b>there</b>", settings: "align:start line:10% position:20%,line-left" },
			{ start: 1.25, end: 2, text: "Second line\nand a third", settings: "" },
		]);
	});

	it("reads SRT: sequence numbers, comma milliseconds, <font> and {\\an8} dropped, no settings", () => {
		const srt =
			'1\n00:00:00,000 --> 00:00:01,500\n{\\an8}<font color="red">Red</font> <i>text</i>\n\n2\n00:00:01,500 --> 00:00:03,000 X1:10\nMore\n';
		expect(parseCaptions(srt, 10)).toEqual([
			{ start: 0, end: 1.5, text: "Red <i>text</i>", settings: "" },
			{ start: 1.5, end: 3, text: "More", settings: "" },
		]);
	});

	it("keeps cues within the video: one past the end is dropped, one running past it is cut; cues come out in order", () => {
		const cues = parseCaptions(
			"WEBVTT\n\n00:04.000 --> 00:06.000\nlate\n\n00:01.000 --> 00:02.000\nearly\n\n00:09.000 --> 00:10.000\ngone\n",
			5,
		);
		expect(cues.map((c) => [c.start, c.end, c.text])).toEqual([
			[1, 2, "early"],
			[4, 5, "late"],
		]);
	});

	it("names the line of a cue it cannot read, as a 422", () => {
		expect(problemOf(() => parseCaptions("WEBVTT\n\n00:01.000 --> 00:00.500\nbackwards\n", 10))).toMatchObject({
			status: 422,
			code: "invalid_captions",
			detail: expect.stringMatching(/^Line 3: a cue must end after it starts/),
		});
		expect(problemOf(() => parseCaptions("WEBVTT\n\n1:2:3 --> 00:01.000\nx\n", 10))).toMatchObject({
			detail: expect.stringMatching(/^Line 3: "1:2:3" is not a timestamp/),
		});
		expect(problemOf(() => parseCaptions("1\nHello\n", 10))).toMatchObject({
			detail: expect.stringMatching(/^Line 1: a cue needs a timing line/),
		});
		expect(problemOf(() => parseCaptions("WEBVTTX\n", 10))).toMatchObject({ status: 422 });
		expect(problemOf(() => parseCaptions("WEBVTT\n\n00:20.000 --> 00:21.000\nafter the end\n", 10))).toMatchObject({
			detail: "The file has no cue within the video's length.",
		});
		expect(problemOf(() => parseCaptions("", 10))).toMatchObject({ status: 422 });
		expect(problemOf(() => parseCaptions(`WEBVTT\n\n00:01.000 --> 00:02.000\n${"a".repeat(1001)}\n`, 10))).toMatchObject({
			detail: expect.stringContaining("at most 1000 characters"),
		});
		// Half a megabyte of markup in one cue is refused before it is walked.
		expect(problemOf(() => parseCaptions(`WEBVTT\n\n00:01.000 --> 00:02.000\n${"<&".repeat(250_000)}\n`, 10))).toMatchObject({
			detail: "Line 4: a cue's text is at most 1000 characters.",
		});
	});
});

describe("sanitiseCueText", () => {
	it("leaves text that cannot run, load or restyle anything", () => {
		expect(sanitiseCueText("<script>alert(1)</script><img src=x onerror=alert(1)><c.red>hi</c> <v Bob>yo</v>")).toBe("alert(1)hi yo");
		expect(sanitiseCueText("a < b && c > d &amp; &lt; &#65; &bogus;")).toBe("a &lt; b &amp;&amp; c &gt; d &amp; &lt; &#65; &amp;bogus;");
		expect(sanitiseCueText("<b>bold</b> <i>it</i> <u>u</u> <b class=x>not kept</b>")).toBe("<b>bold</b> <i>it</i> <u>u</u> not kept</b>");
		// `-->` in text would end the cue for a parser; control characters have no place in text.
		expect(sanitiseCueText("a --> b\u0007\u2028c\td")).toBe("a -&gt; bc d");
	});

	it("serves what it parsed as valid WebVTT, and search reads the words", () => {
		const cues = parseCaptions("WEBVTT\n\n00:00:01.000 --> 00:00:02.500 align:end\nTom &amp; <i>Jerry</i> &lt;3\n", 10);
		expect(toWebVtt(cues)).toBe("WEBVTT\n\n00:00:01.000 --> 00:00:02.500 align:end\nTom &amp; <i>Jerry</i> &lt;3\n");
		expect(plainText(cues[0] as { text: string })).toBe("Tom & Jerry <3");
		expect(parseCaptions(toWebVtt(cues), 10)).toEqual(cues);
	});
});
