// Whisper on Workers AI cannot be reached from this offline stack (the AI binding is remote-only),
// so the model is stood in for by `run` below, answering in the model's documented output shape
// (Ai_Cf_Openai_Whisper_Large_V3_Turbo_Output in @cloudflare/workers-types). What is proven here is
// ours: the audio each call carries, the chunk offsets, the cue timing and grouping, the filter on
// what Whisper rates as not speech, and the language chosen. The chunks themselves are made by real
// FFmpeg in transcode-container/src/speech/speech-audio.test.ts.
import { describe, expect, it } from "vitest";
import { base64Of, cuesFromWhisper, recogniseWithWhisper, WHISPER_MODEL } from "./whisper-speech";

type Output = Ai_Cf_Openai_Whisper_Large_V3_Turbo_Output;

const words = (line: string, from: number, each: number) =>
	line.split(" ").map((word, i) => ({ word, start: from + i * each, end: from + (i + 1) * each }));

describe("cuesFromWhisper", () => {
	it("offsets each segment by its chunk's start, seven timed words to a cue, within the chunk", () => {
		const out: Output = {
			text: "one two three four five six seven eight nine",
			transcription_info: { language: "en" },
			segments: [
				{
					start: 1,
					end: 5.5,
					text: " one two three four five six seven eight nine",
					words: words("one two three four five six seven eight nine", 1, 0.5),
				},
				// Past the chunk's end: cut to it.
				{ start: 29.5, end: 31, text: " last", words: [{ word: " last", start: 29.5, end: 31 }] },
			],
		};
		expect(cuesFromWhisper(out, { start: 30.024, seconds: 30 })).toEqual([
			{ start: 31.024, end: 34.524, text: "one two three four five six seven" },
			{ start: 34.524, end: 35.524, text: "eight nine" },
			{ start: 59.524, end: 60.024, text: "last" },
		]);
	});

	it("spreads a segment's words over it when Whisper gives no word times, and leaves out what it rates as not speech", () => {
		const out: Output = {
			text: "hello there music",
			segments: [
				{ start: 0, end: 2, text: " hello there" },
				{ start: 3, end: 6, text: " ♪", no_speech_prob: 0.9 },
				{ start: 7, end: 7, text: " empty" },
			],
		};
		expect(cuesFromWhisper(out, { start: 0, seconds: 10 })).toEqual([{ start: 0, end: 2, text: "hello there" }]);
		expect(cuesFromWhisper({ text: "" }, { start: 0, seconds: 10 })).toEqual([]);
	});
});

describe("recogniseWithWhisper", () => {
	const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill).buffer;

	it("sends every chunk's audio once, in order, and gives the cues in the video's time with the language heard most", async () => {
		const chunks = [
			{ start: 0, seconds: 30, audio: async () => bytes(100_000, 1) },
			{ start: 30, seconds: 30, audio: async () => bytes(70_000, 2) },
			{ start: 60, seconds: 5, audio: async () => bytes(10, 3) },
		];
		const answers: Output[] = [
			{ text: "hola", transcription_info: { language: "es" }, segments: [{ start: 1, end: 2, text: " hola", words: words("hola", 1, 1) }] },
			{
				text: "hello again friends",
				transcription_info: { language: "en" },
				segments: [{ start: 0, end: 3, text: " hello again friends", words: words("hello again friends", 0, 1) }],
			},
			// Silence: nothing heard, so its (guessed) language does not count.
			{ text: "", transcription_info: { language: "fr" }, segments: [] },
		];
		const calls: { model: string; audio: string; vad: unknown }[] = [];
		const ai = {
			run: async (model: string, input: { audio: string; vad_filter?: boolean }) => {
				calls.push({ model, audio: input.audio, vad: input.vad_filter });
				return answers[calls.length - 1];
			},
		} as unknown as Pick<Ai, "run">;
		const { speech, failed, skipped } = await recogniseWithWhisper(ai, chunks);
		expect([failed, skipped]).toEqual([0, 0]);
		expect(calls.map((c) => c.model)).toEqual([WHISPER_MODEL, WHISPER_MODEL, WHISPER_MODEL]);
		expect(calls.map((c) => c.vad)).toEqual([true, true, true]);
		// Each call carries exactly its chunk's bytes.
		expect(calls.map((c) => Uint8Array.from(atob(c.audio), (ch) => ch.charCodeAt(0)))).toEqual(
			await Promise.all(chunks.map(async (c) => new Uint8Array(await c.audio()))),
		);
		expect(speech).toEqual({
			lang: "en",
			engine: "whisper-large-v3-turbo",
			cues: [
				{ start: 1, end: 2, text: "hola" },
				{ start: 30, end: 33, text: "hello again friends" },
			],
		});
	});

	it("hears nothing in silence (no cues: the video gets no track)", async () => {
		const silent = { run: async () => ({ text: "", segments: [] }) } as unknown as Pick<Ai, "run">;
		expect(await recogniseWithWhisper(silent, [{ start: 0, seconds: 5, audio: async () => bytes(10, 0) }])).toEqual({
			speech: { lang: "und", engine: "whisper-large-v3-turbo", cues: [] },
			failed: 0,
			skipped: 0,
		});
	});

	it("keeps what the other chunks said when one call fails, and starts none past the deadline", async () => {
		let calls = 0;
		const flaky = {
			run: async () => {
				calls++;
				if (calls === 1) throw new Error("3040: capacity temporarily exceeded");
				return { text: "still here", transcription_info: { language: "en" }, segments: [{ start: 0, end: 1, text: " still here" }] };
			},
		} as unknown as Pick<Ai, "run">;
		const chunk = (start: number) => ({ start, seconds: 30, audio: async () => bytes(10, 0) });
		const run = await recogniseWithWhisper(flaky, [chunk(0), chunk(30)]);
		expect(run).toMatchObject({ failed: 1, skipped: 0, speech: { lang: "en", cues: [{ start: 30, end: 31, text: "still here" }] } });
		const late = await recogniseWithWhisper(flaky, [chunk(0), chunk(30)], Date.now() + 500);
		expect(late).toMatchObject({ failed: 0, skipped: 2, speech: { cues: [] } });
		expect(calls).toBe(2);
	});

	it("encodes base64 as btoa does, for chunks larger than one slice", () => {
		const big = new Uint8Array(100_001).map((_, i) => i % 256);
		expect(base64Of(big.buffer)).toBe(btoa(String.fromCharCode(...big.subarray(0, 50_000)) + String.fromCharCode(...big.subarray(50_000))));
	});
});
