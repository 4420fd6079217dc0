// Recognition of real speech: sentences synthesised by espeak-ng (Debian's espeak-ng), put in an
// MP4 with pauses around them, recognised by PocketSphinx through FFmpeg. PocketSphinx is weak on
// synthetic voices, so the pipeline is what is asserted (cues timed within the clip, in order, some
// of the words right, silence giving nothing) and the word error rate is printed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeSpeechClip, wordErrorRate } from "../../../scripts/test-media.ts";
import { cuesFrom, hasModel, readMarks, recogniseSpeech } from "./recognise-speech.ts";

const MODEL = "/usr/share/pocketsphinx/model/en-us";
const dir = mkdtempSync(join(tmpdir(), "speech-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("cuesFrom", () => {
	it("times each utterance from where speech resumed to where it stopped, seven words to a cue at most", () => {
		const printed = [
			"frame:7    pts:14336   pts_time:0.896",
			"lavfi.silence_end=1.0185",
			"frame:18   pts:36864   pts_time:2.304",
			"lavfi.silence_start=2.2",
			"lavfi.silence_end=2.35575",
			"frame:34   pts:69632   pts_time:4.352",
			"lavfi.silence_start=4.2",
			"frame:36   pts:73728   pts_time:4.608",
			"lavfi.asr.text=one two three four five six seven eight",
			"frame:43   pts:88064   pts_time:5.504",
			"lavfi.silence_end=5.5",
			"frame:88   pts:180224  pts_time:11.264",
			"lavfi.asr.text=last words",
		].join("\n");
		expect(cuesFrom(readMarks(printed), 10)).toEqual([
			{ start: 1.019, end: 3.802, text: "one two three four five six seven" },
			{ start: 3.802, end: 4.2, text: "eight" },
			// The last utterance runs to the recogniser's report, cut at the clip's end.
			{ start: 5.5, end: 10, text: "last words" },
		]);
		expect(cuesFrom(readMarks("frame:1 pts:1 pts_time:0.1\nlavfi.silence_start=0\n"), 10)).toEqual([]);
		// Words "heard" in sound that never paused (a tone: only the padding's silence at the end) are no speech.
		const tone = "frame:9 pts:1 pts_time:9.9\nlavfi.silence_start=10\nframe:10 pts:1 pts_time:11\nlavfi.asr.text=the of a\n";
		expect(cuesFrom(readMarks(tone), 10)).toEqual([]);
	});
});

describe("recogniseSpeech", () => {
	it("finds the model Debian's pocketsphinx-en-us installs (.ci/run installs it)", () => {
		expect(hasModel(MODEL)).toBe(true);
	});

	it("turns synthesised sentences into timed cues within the clip, some words right", { timeout: 60_000 }, async () => {
		const said = ["The quick brown fox jumps over the lazy dog.", "Short videos are mostly watched without sound."];
		const clip = makeSpeechClip(dir, "spoken", said);
		const speech = await recogniseSpeech(clip.path, { modelDir: MODEL, durationS: clip.durationS, demuxer: "mov" });
		expect(speech.lang).toBe("en");
		expect(speech.cues.length).toBeGreaterThan(0);
		for (const [i, cue] of speech.cues.entries()) {
			// Nothing was said in the first second, and nothing after the clip.
			expect(cue.start).toBeGreaterThanOrEqual(0.9);
			expect(cue.end).toBeGreaterThan(cue.start);
			expect(cue.end).toBeLessThanOrEqual(clip.durationS);
			if (i > 0) expect(cue.start).toBeGreaterThanOrEqual((speech.cues[i - 1] as { end: number }).end - 0.001);
		}
		const heard = speech.cues.map((c) => c.text).join(" ");
		const wer = wordErrorRate(said.join(" "), heard);
		console.log(
			JSON.stringify({ speechRecognition: { engine: speech.engine, said: said.join(" "), heard, wordErrorRate: Number(wer.toFixed(2)) } }),
		);
		// Weak, but not noise: an edit distance below the reference's length means some words were right.
		expect(wer).toBeLessThan(1);
	});

	it("gives no cue for tones PocketSphinx hears words in (the seed's clips)", { timeout: 60_000 }, async () => {
		for (const hz of [580, 620, 740]) {
			const path = join(dir, `tone-${hz}.mp4`);
			const made = spawnSync("ffmpeg", [
				...[
					"-v",
					"error",
					"-y",
					"-f",
					"lavfi",
					"-i",
					"testsrc2=size=160x284:rate=15",
					"-f",
					"lavfi",
					"-i",
					`sine=frequency=${hz}:sample_rate=48000`,
				],
				...["-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", path],
			]);
			expect(made.status).toBe(0);
			expect((await recogniseSpeech(path, { modelDir: MODEL, durationS: 6, demuxer: "mov" })).cues, `${hz} Hz`).toEqual([]);
		}
	});

	it("gives no cue for a clip whose audio is silent", { timeout: 30_000 }, async () => {
		const path = join(dir, "silent.mp4");
		const made = spawnSync("ffmpeg", [
			...["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x284:rate=15", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono"],
			...["-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", path],
		]);
		expect(made.status).toBe(0);
		expect((await recogniseSpeech(path, { modelDir: MODEL, durationS: 3, demuxer: "mov" })).cues).toEqual([]);
	});
});
