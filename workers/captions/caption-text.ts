// A caption file as a creator sends it (WebVTT or SRT) turned into the WebVTT we
// serve: parsed cue by cue, timed within the video, and sanitised so that
// nothing in it runs or restyles a page. WebVTT allows markup in cue text
// (classes, voices, ruby, timestamps) and whole STYLE blocks of CSS; we keep
// only <b>, <i> and <u> and escape everything else, so a cue is text.
//   https://www.w3.org/TR/webvtt1/#cue-text
import { HttpProblem } from "../lib/problems/http-problem";

export interface Cue {
	/** Seconds. */
	start: number;
	end: number;
	/** WebVTT cue text: escaped, with <b>, <i> and <u> the only tags. */
	text: string;
	/** Position settings kept from a WebVTT cue (align, line, position, size), already checked. */
	settings: string;
}

/** A caption file's ceiling: an hour of dense speech is about 100 KB of WebVTT. */
export const CAPTION_MAX_BYTES = 512 * 1024;
export const CAPTION_MAX_CUES = 10_000;
const CUE_TEXT_MAX = 1000;

const invalid = (line: number, detail: string) => new HttpProblem(422, "invalid_captions", `Line ${line}: ${detail}`, { line });

const TIMESTAMP = /^(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)[.,](\d{3})$/;

function seconds(stamp: string, line: number): number {
	const m = TIMESTAMP.exec(stamp);
	if (!m) throw invalid(line, `"${stamp.slice(0, 20)}" is not a timestamp (hh:mm:ss.mmm).`);
	return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
}

/** Cue settings we pass on (https://www.w3.org/TR/webvtt1/#webvtt-cue-settings); regions and vertical text are dropped. */
const SETTING = [
	/^align:(start|center|end|left|right)$/,
	/^line:(-?\d{1,3}|\d{1,3}(\.\d{1,3})?%)(,(start|center|end))?$/,
	/^position:\d{1,3}(\.\d{1,3})?%(,(line-left|center|line-right))?$/,
	/^size:\d{1,3}(\.\d{1,3})?%$/,
];
const keptSettings = (raw: string) =>
	raw
		.split(/[ \t]+/)
		.filter((s) => SETTING.some((re) => re.test(s)))
		.join(" ");

// Sticky (matched at lastIndex): the text is walked once, never copied per character.
const ENTITY = /&(amp|lt|gt|lrm|rlm|nbsp|#\d{1,7}|#x[0-9a-fA-F]{1,6});/y;
const ALLOWED_TAG = /<\/?[biu]>/y;
/** A tag, not a "<" in prose: a letter, a digit or "/" right after it. */
const ANY_TAG = /<\/?[A-Za-z0-9][^<>\n]{0,200}>/y;

const matchAt = (re: RegExp, text: string, at: number) => {
	re.lastIndex = at;
	return re.exec(text)?.[0];
};

/**
 * Cue text as we serve it: <b>, <i>, <u> kept; any other tag (SRT's <font>, WebVTT's <c>, <v>,
 * <ruby>, timestamps) removed; SRT's {\an8} styling removed; a stray `<` or `&` escaped; `-->`
 * (which would end the cue) and control characters gone.
 */
export function sanitiseCueText(raw: string): string {
	const text = raw
		.replace(/\{\\[^}\n]{0,64}\}/g, "") // bounded: an unclosed "{\" must not scan the rest of the text from each one
		// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
		.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, "")
		.replace(/\t/g, " ")
		.replaceAll("-->", "->");
	let out = "";
	for (let i = 0; i < text.length; ) {
		const ch = text[i];
		if (ch === "<") {
			const allowed = matchAt(ALLOWED_TAG, text, i);
			if (allowed) {
				out += allowed;
				i += allowed.length;
				continue;
			}
			const tag = matchAt(ANY_TAG, text, i);
			if (tag) {
				i += tag.length;
				continue;
			}
			out += "&lt;";
		} else if (ch === "&") {
			const entity = matchAt(ENTITY, text, i);
			out += entity ?? "&amp;";
			i += entity ? entity.length - 1 : 0;
		} else if (ch === ">") out += "&gt;";
		else out += ch;
		i += 1;
	}
	return out
		.split("\n")
		.map((l) => l.trim())
		.filter((l) => l !== "")
		.join("\n");
}

/** What a cue says, for search: tags gone, the entities we allow decoded. */
export function plainText(cue: Pick<Cue, "text">): string {
	return cue.text
		.replace(/<[^>]*>/g, "")
		.replace(/&(amp|lt|gt|nbsp|lrm|rlm);/g, (_m, e: string) => ({ amp: "&", lt: "<", gt: ">", nbsp: " ", lrm: "", rlm: "" })[e] ?? "")
		.replace(/\s+/g, " ")
		.trim();
}

/**
 * Parses a WebVTT or SRT file (which one: WebVTT starts with `WEBVTT`) into cues within
 * `durationS` (a cue past the end is dropped, one running past it is cut at the end). A cue
 * that cannot be read is a 422 naming its line, so a creator can fix the file; a file with no
 * cue left is a 422 too.
 */
export function parseCaptions(source: string, durationS: number): Cue[] {
	const text = source.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
	const vtt = /^WEBVTT(?:[ \t][^\n]*)?(?:\n|$)/.test(text);
	if (!vtt && text.startsWith("WEBVTT")) throw invalid(1, "the WEBVTT signature must stand alone or be followed by a space.");
	const lines = text.split("\n");
	const cues: Cue[] = [];
	let i = vtt ? 1 : 0;
	if (vtt) while (i < lines.length && (lines[i] ?? "").trim() !== "") i++; // the header's own lines
	while (i < lines.length) {
		while (i < lines.length && (lines[i] ?? "").trim() === "") i++;
		if (i >= lines.length) break;
		const blockStart = i;
		const block: string[] = [];
		while (i < lines.length && (lines[i] ?? "").trim() !== "") block.push(lines[i++] as string);
		const first = block[0] as string;
		if (vtt && /^(NOTE|STYLE|REGION)(\s|$)/.test(first)) continue; // comments, CSS and regions are not served
		const at = first.includes("-->") ? 0 : 1; // an optional identifier (WebVTT) or sequence number (SRT) first
		const timing = block[at];
		if (timing === undefined || !timing.includes("-->")) throw invalid(blockStart + 1, "a cue needs a timing line (start --> end).");
		const m = /^\s*(\S+)\s+-->\s+(\S+)(.*)$/.exec(timing);
		if (!m) throw invalid(blockStart + at + 1, "a timing line is `start --> end`.");
		const start = seconds(m[1] as string, blockStart + at + 1);
		const end = seconds(m[2] as string, blockStart + at + 1);
		if (end <= start) throw invalid(blockStart + at + 1, "a cue must end after it starts.");
		const raw = block.slice(at + 1).join("\n");
		// Refused before any work on it: markup removed could at most shrink a cue this much.
		if (raw.length > CUE_TEXT_MAX * 4) throw invalid(blockStart + at + 2, `a cue's text is at most ${CUE_TEXT_MAX} characters.`);
		const body = sanitiseCueText(raw);
		if (body.length > CUE_TEXT_MAX) throw invalid(blockStart + at + 2, `a cue's text is at most ${CUE_TEXT_MAX} characters.`);
		if (body === "" || start >= durationS) continue;
		cues.push({ start, end: Math.min(end, durationS), text: body, settings: vtt ? keptSettings(m[3] ?? "") : "" });
		if (cues.length > CAPTION_MAX_CUES) throw invalid(blockStart + 1, `a caption track has at most ${CAPTION_MAX_CUES} cues.`);
	}
	if (cues.length === 0) throw new HttpProblem(422, "invalid_captions", "The file has no cue within the video's length.", {});
	// WebVTT wants cues in order of their start (https://www.w3.org/TR/webvtt1/#file-structure).
	return cues.sort((a, b) => a.start - b.start || a.end - b.end);
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

export function timestamp(s: number): string {
	const ms = Math.round(s * 1000);
	return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

/** The WebVTT file we serve. */
export function toWebVtt(cues: Cue[]): string {
	return `WEBVTT\n\n${cues.map((c) => `${timestamp(c.start)} --> ${timestamp(c.end)}${c.settings ? ` ${c.settings}` : ""}\n${c.text}\n`).join("\n")}`;
}
