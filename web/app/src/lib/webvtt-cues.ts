// A generated track's cues as the upload page lets a creator correct them: read from the WebVTT the
// server wrote (its own regular format), shown as plain text, and written back as WebVTT for a PUT.
// The server parses and sanitises what comes back as it does any upload.

export interface EditableCue {
	/** The timing line, kept as it was: corrections change words, not times. */
	timing: string;
	/** Seconds, for the label. */
	start: number;
	text: string;
}

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": "\u00a0", "&lrm;": "", "&rlm;": "" };

const seconds = (stamp: string) => {
	const [h, m, s] = stamp.split(":").map(Number) as [number, number, number];
	return h * 3600 + m * 60 + s;
};

/** The cues of a WebVTT file written by the server (`HH:MM:SS.mmm --> HH:MM:SS.mmm` then text). */
export function readCues(vtt: string): EditableCue[] {
	return vtt
		.replace(/\r\n?/g, "\n")
		.split(/\n{2,}/)
		.flatMap((block) => {
			const [timing, ...lines] = block.split("\n");
			const m = timing ? /^(\d{2}:\d{2}:\d{2}\.\d{3}) --> \d{2}:\d{2}:\d{2}\.\d{3}/.exec(timing) : null;
			if (!m || !timing) return [];
			const text = lines
				.join("\n")
				.trim()
				.replace(/&(amp|lt|gt|nbsp|lrm|rlm);/g, (e) => ENTITIES[e] ?? e);
			return [{ timing, start: seconds(m[1] as string), text }];
		});
}

/** What is typed, as cue text: plain text, so `&`, `<` and `>` are written as entities (the server keeps them as text). */
const asCueText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The cues kept after a correction: a cue emptied by it is left out; line breaks within a cue stay single. */
export const keptCues = (cues: EditableCue[]) =>
	cues.map((c) => ({ ...c, text: c.text.replace(/\n{2,}/g, "\n").trim() })).filter((c) => c.text !== "");

/** The cues as a WebVTT file (keptCues of them). */
export function writeVtt(cues: EditableCue[]): string {
	return `WEBVTT\n\n${keptCues(cues)
		.map((c) => `${c.timing}\n${asCueText(c.text)}\n`)
		.join("\n")}`;
}

/** `m:ss` for a cue's label. */
export const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
