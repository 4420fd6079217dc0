// Speech in a video's audio, recognised offline: FFmpeg's `asr` filter runs
// CMU PocketSphinx (Debian's pocketsphinx-en-us model) over the audio, and
// `silencedetect` on the same pass says where speech starts and stops. Each
// utterance the recogniser ends becomes one or more timed cues. This is the
// local stack's recogniser; production recognises with Whisper on Workers AI
// instead (docs/captions.md). It is weak (a fifth to a half of the words of
// synthetic speech), so what it gives is marked generated and can be replaced.
//   https://ffmpeg.org/ffmpeg-filters.html#asr
import { existsSync } from "node:fs";
import { join } from "node:path";
import { lastLines, startFfmpeg } from "../ffmpeg-process.ts";
import type { Demuxer } from "../input-format.ts";

export interface SpeechCue {
	/** Seconds. */
	start: number;
	end: number;
	text: string;
}

export interface Speech {
	/** BCP-47: the model's language. */
	lang: string;
	engine: "pocketsphinx";
	cues: SpeechCue[];
}

/** Words per cue: a line a viewer reads at a glance. */
const WORDS_PER_CUE = 7;
/** A pause this long (at -35 dB) separates speech; shorter ones are breaths within it. */
const SILENCE = "silencedetect=n=-35dB:d=0.3";
/** The recogniser ends an utterance only at a silence: the padding ends the last one even when speech runs to the end. */
const TAIL_PAD = "apad=pad_dur=1.5";

export function modelFiles(dir: string) {
	return { hmm: join(dir, "en-us"), dict: join(dir, "cmudict-en-us.dict"), lm: join(dir, "en-us.lm.bin") };
}

/** Whether the model is installed (pocketsphinx-en-us): without it, no recognition is attempted. */
export const hasModel = (dir: string) => Object.values(modelFiles(dir)).every((p) => existsSync(p));

interface Marks {
	speechStarts: number[];
	speechEnds: number[];
	utterances: { at: number; text: string }[];
}

/** Reads `ametadata=mode=print` output: frames' times, silence boundaries and recognised text. */
export function readMarks(printed: string): Marks {
	const marks: Marks = { speechStarts: [], speechEnds: [], utterances: [] };
	let frameTime = 0;
	for (const line of printed.split("\n")) {
		const frame = /pts_time:([\d.]+)/.exec(line);
		if (frame) frameTime = Number(frame[1]);
		const [key, value] = line.split("=", 2);
		if (value === undefined) continue;
		if (key === "lavfi.silence_end") marks.speechStarts.push(Number(value));
		else if (key === "lavfi.silence_start") marks.speechEnds.push(Number(value));
		else if (key === "lavfi.asr.text" && value.trim() !== "") marks.utterances.push({ at: frameTime, text: value.trim() });
	}
	return marks;
}

/**
 * Timed cues from the marks: an utterance starts where speech first resumed after the previous
 * one ended and ends where speech last stopped before the recogniser reported it; its words are
 * spread over that span, at most WORDS_PER_CUE to a cue. Everything is kept within `durationS`.
 */
export function cuesFrom(marks: Marks, durationS: number): SpeechCue[] {
	// Speech pauses; a tone or a drone never does (no sound ever starts after a silence), and
	// PocketSphinx hears words in some tones: a track of those would be shown on a muted reel.
	if (marks.speechStarts.length === 0) return [];
	const cues: SpeechCue[] = [];
	let previousEnd = 0;
	for (const u of marks.utterances) {
		const start = marks.speechStarts.find((t) => t >= previousEnd && t < u.at) ?? previousEnd;
		const stops = marks.speechEnds.filter((t) => t > start && t <= u.at);
		const end = Math.min(stops.length ? (stops[stops.length - 1] as number) : u.at, durationS);
		previousEnd = u.at;
		if (end <= start || start >= durationS) continue;
		const words = u.text.split(/\s+/);
		const perWord = (end - start) / words.length;
		for (let i = 0; i < words.length; i += WORDS_PER_CUE) {
			const chunk = words.slice(i, i + WORDS_PER_CUE);
			const cueStart = start + i * perWord;
			cues.push({ start: round(cueStart), end: round(cueStart + chunk.length * perWord), text: chunk.join(" ") });
		}
	}
	return cues;
}

const MAX_PRINTED_CHARS = 1024 * 1024;

const round = (s: number) => Math.round(s * 1000) / 1000;

/** The speech in `sourcePath`'s first audio stream; no cues when there is none (silence, music, no audio track). */
export async function recogniseSpeech(
	sourcePath: string,
	{ modelDir, durationS, demuxer, signal }: { modelDir: string; durationS: number; demuxer: Demuxer; signal?: AbortSignal },
): Promise<Speech> {
	const m = modelFiles(modelDir);
	const filters = `aresample=16000,${TAIL_PAD},${SILENCE},asr=hmm=${m.hmm}:dict=${m.dict}:lm=${m.lm}:logfn=/dev/null,ametadata=mode=print:file=-`;
	const args = [
		"-nostdin",
		"-hide_banner",
		"-loglevel",
		"error",
		"-f",
		demuxer,
		"-i",
		sourcePath,
		"-map",
		"0:a:0",
		"-vn",
		"-af",
		filters,
		"-f",
		"null",
		"-",
	];
	const { child, exited } = startFfmpeg(args, { stdout: "pipe", signal });
	let printed = "";
	child.stdout?.setEncoding("utf8").on("data", (d: string) => {
		// A few lines per pause and utterance; the cap only guards against a pathological track.
		if (printed.length < MAX_PRINTED_CHARS) printed += d;
	});
	const exit = await exited;
	if (exit.code !== 0) throw new Error(`speech recognition failed: ${lastLines(exit, 2)}`);
	return { lang: "en", engine: "pocketsphinx", cues: cuesFrom(readMarks(printed), durationS) };
}
