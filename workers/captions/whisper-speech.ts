// Production's recogniser: Whisper on Workers AI, what Cloudflare Stream itself uses for generated
// captions (docs/captions.md). The transcoder (SPEECH_RECOGNISER=workers-ai) hands over the video's
// audio as 16 kHz mono MP3 chunks of at most 30 s, Whisper's own window; each is one model call, and
// the segments it returns are offset by the chunk's start in the video. The result is the same
// `Speech` as the offline recogniser's, so the track is made, sanitised and delivered the same way.
//   https://developers.cloudflare.com/workers-ai/models/whisper-large-v3-turbo/
import type { Speech } from "./generated-captions";

export const WHISPER_MODEL = "@cf/openai/whisper-large-v3-turbo";
/** A segment Whisper itself rates as more likely not speech is left out: its guesses over music or silence. */
const NO_SPEECH_PROBABILITY = 0.6;
/** Words per cue: a line a viewer reads at a glance (as the offline recogniser's). */
const WORDS_PER_CUE = 7;
/** A 180 s video is 6 chunks; anything past this is not a chunk list the transcoder made. */
const MAX_CHUNKS = 40;
/** One call's longest wait: the model answers 30 s of audio in a second or two; past this it is not coming. */
export const WHISPER_CALL_MS = 60_000;

/** One chunk of the audio and where it sits in the video. */
export interface SpeechChunk {
	/** Seconds into the video. */
	start: number;
	seconds: number;
	audio: () => Promise<ArrayBuffer>;
}

type WhisperOutput = Ai_Cf_Openai_Whisper_Large_V3_Turbo_Output;
type Cue = Speech["cues"][number];

const round = (s: number) => Math.round(s * 1000) / 1000;

/** Base64 without Node's Buffer: a chunk is ~120 KB, so 32 KB slices keep `fromCharCode`'s arguments bounded. */
export function base64Of(bytes: ArrayBuffer): string {
	const view = new Uint8Array(bytes);
	let binary = "";
	for (let i = 0; i < view.length; i += 0x8000) binary += String.fromCharCode(...view.subarray(i, i + 0x8000));
	return btoa(binary);
}

/**
 * Whisper's segments as cues in the video's time: each segment's words (timed by Whisper when it
 * gives word times, else spread over the segment) at most WORDS_PER_CUE to a cue, kept within the
 * chunk. A segment Whisper judges not to be speech is left out.
 */
export function cuesFromWhisper(out: WhisperOutput, chunk: { start: number; seconds: number }): Cue[] {
	const cues: Cue[] = [];
	const within = (t: number) => Math.min(Math.max(t, 0), chunk.seconds);
	for (const segment of out.segments ?? []) {
		if ((segment.no_speech_prob ?? 0) > NO_SPEECH_PROBABILITY) continue;
		const [from, to] = [within(segment.start ?? 0), within(segment.end ?? 0)];
		if (to <= from) continue;
		const timed = (segment.words ?? []).filter((w) => (w.word ?? "").trim() !== "" && w.start !== undefined && w.end !== undefined);
		const words =
			timed.length > 0
				? timed.map((w) => ({ text: (w.word ?? "").trim(), start: within(w.start ?? from), end: within(w.end ?? to) }))
				: (() => {
						const said = (segment.text ?? "").trim().split(/\s+/).filter(Boolean);
						const each = (to - from) / Math.max(said.length, 1);
						return said.map((text, i) => ({ text, start: from + i * each, end: from + (i + 1) * each }));
					})();
		for (let i = 0; i < words.length; i += WORDS_PER_CUE) {
			const line = words.slice(i, i + WORDS_PER_CUE);
			const [first, last] = [line[0], line[line.length - 1]];
			if (!first || !last || last.end <= first.start) continue;
			cues.push({
				start: round(chunk.start + first.start),
				end: round(chunk.start + last.end),
				text: line.map((w) => w.text).join(" "),
			});
		}
	}
	return cues;
}

/** `promise`, or a rejection once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
	});
	return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export interface WhisperRun {
	speech: Speech;
	/** Chunks not recognised (a call failed, or timed out), and chunks not tried because the deadline came. */
	failed: number;
	skipped: number;
}

/**
 * The speech in a video's audio chunks, one model call each, in order (a 180 s video is 6 calls; each
 * chunk is 2 subrequests, its read from the transcoder and the call). A chunk whose call fails or
 * takes past WHISPER_CALL_MS is left out and the others kept; no call starts after `deadline` (the
 * consumer's wall clock), so a slow model costs captions, never the video. Its language is the one
 * Whisper detected for the most words; `und` when it heard none.
 */
export async function recogniseWithWhisper(
	ai: Pick<Ai, "run">,
	chunks: SpeechChunk[],
	deadline = Number.POSITIVE_INFINITY,
): Promise<WhisperRun> {
	const cues: Cue[] = [];
	const heard = new Map<string, number>();
	let failed = 0;
	let skipped = 0;
	for (const chunk of chunks.slice(0, MAX_CHUNKS)) {
		const left = deadline - Date.now();
		if (left < 1000) {
			skipped++;
			continue;
		}
		let out: WhisperOutput;
		try {
			const audio = base64Of(await within(chunk.audio(), Math.min(left, WHISPER_CALL_MS)));
			out = (await within(
				ai.run(WHISPER_MODEL, {
					audio,
					// Whisper's guess at silence is the commonest cause of junk tracks; its own filter first.
					vad_filter: true,
					condition_on_previous_text: false,
				}),
				Math.min(deadline - Date.now(), WHISPER_CALL_MS),
			)) as WhisperOutput;
		} catch {
			failed++;
			continue;
		}
		const found = cuesFromWhisper(out, chunk);
		cues.push(...found);
		const lang = out.transcription_info?.language;
		const said = found.reduce((n, c) => n + c.text.split(" ").length, 0);
		if (lang && said > 0) heard.set(lang, (heard.get(lang) ?? 0) + said);
	}
	const lang = [...heard.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "und";
	return { speech: { lang, engine: "whisper-large-v3-turbo", cues }, failed, skipped };
}
