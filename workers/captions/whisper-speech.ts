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

/**
 * The speech in a video's audio chunks, one model call each (in order, so a 180 s video is 6 calls
 * and 6 subrequests). Its language is the one Whisper detected for the most words; `und` when it heard none.
 */
export async function recogniseWithWhisper(ai: Pick<Ai, "run">, chunks: SpeechChunk[]): Promise<Speech> {
	const cues: Cue[] = [];
	const heard = new Map<string, number>();
	for (const chunk of chunks.slice(0, MAX_CHUNKS)) {
		const out = (await ai.run(WHISPER_MODEL, {
			audio: base64Of(await chunk.audio()),
			// Whisper's guess at silence is the commonest cause of junk tracks; its own filter first.
			vad_filter: true,
			condition_on_previous_text: false,
		})) as WhisperOutput;
		const found = cuesFromWhisper(out, chunk);
		cues.push(...found);
		const lang = out.transcription_info?.language;
		const said = found.reduce((n, c) => n + c.text.split(" ").length, 0);
		if (lang && said > 0) heard.set(lang, (heard.get(lang) ?? 0) + said);
	}
	const lang = [...heard.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "und";
	return { lang, engine: "whisper-large-v3-turbo", cues };
}
