// A track recognised from the video's speech (the transcoder's recogniser,
// transcode-container/src/speech/), added when the video is transcoded and
// marked `generated`. A creator's own upload in the same language wins: it is
// never replaced by a generated one. Recognised text goes through the same
// parser and sanitiser as an upload, so it is held to the same rules.
import { captionRows } from "../lib/media-db/caption-store";
import { mediaDb } from "../lib/media-db/media-db";
import { HttpProblem } from "../lib/problems/http-problem";
import { captionLabel, captionLanguage } from "./caption-language";
import { parseCaptions, timestamp } from "./caption-text";
import { type CaptionedVideo, putCaptionTrack } from "./caption-tracks";

export interface Speech {
	lang: string;
	engine: string;
	cues: { start: number; end: number; text: string }[];
}

export type SpeechOutcome = "added" | "no_speech" | "kept_uploaded";

/**
 * The recogniser's cues as a WebVTT file (its words are plain text; the parser escapes them). A cue
 * that would not parse (no words, or no length once timed to the millisecond) is left out, so one
 * such cue cannot cost the whole track.
 */
const asWebVtt = (speech: Speech) =>
	`WEBVTT\n\n${speech.cues
		.map((c) => ({ ...c, text: c.text.replace(/\s+/g, " ").trim() }))
		.filter((c) => c.text !== "" && timestamp(c.end) > timestamp(c.start))
		.map((c) => `${timestamp(c.start)} --> ${timestamp(c.end)}\n${c.text}\n`)
		.join("\n")}`;

/** Adds (or, on a repeated transcode, replaces) the video's generated track for what its audio says. */
export async function captionSpeech(env: Env, requestUrl: string, video: CaptionedVideo, speech: Speech | null): Promise<SpeechOutcome> {
	if (!speech || speech.cues.length === 0) return "no_speech";
	const lang = captionLanguage(speech.lang);
	const existing = (await captionRows(mediaDb(env), video.id)).find((r) => r.lang === lang);
	if (existing && !existing.generated) return "kept_uploaded";
	let cues: ReturnType<typeof parseCaptions>;
	try {
		cues = parseCaptions(asWebVtt(speech), video.durationMs / 1000);
	} catch (err) {
		// Nothing left within the video (or nothing readable): no track rather than an empty one.
		if (err instanceof HttpProblem) return "no_speech";
		throw err;
	}
	await putCaptionTrack(env, requestUrl, video, { lang, label: `${captionLabel(lang)} (auto-generated)`, generated: true, cues });
	return "added";
}
