// Clipping: a range of a video made into a video of its own, like Stream's clipping. The range is
// cut first, frame-accurately (an input seek then a re-encode, never rounded to keyframes or
// segments), into a high-quality MP4 that the rest of the job treats as its source; that file is
// also handed back (`source.mp4`) as the clip's own original, so the clip stands alone once made.
import type { Demuxer } from "./input-format.ts";
import { pinnedInput } from "./input-format.ts";
import { UnsupportedSource } from "./probe.ts";

export interface ClipRange {
	/** Seconds from the source's start. */
	start: number;
	end: number;
}

/** The shortest clip: under half a second there is nothing to watch. */
export const MIN_CLIP_SECONDS = 0.5;

/** `clipStart` and `clipEnd` from a query string: a range, null when neither is there, or why not. */
export function clipRangeOf(query: URLSearchParams): ClipRange | null | string {
	if (!query.has("clipStart") && !query.has("clipEnd")) return null;
	const start = Number(query.get("clipStart"));
	const end = Number(query.get("clipEnd"));
	if (!query.has("clipStart") || !query.has("clipEnd") || !Number.isFinite(start) || !Number.isFinite(end)) {
		return "clipStart and clipEnd are seconds, given together";
	}
	// In whole milliseconds, as the Worker counts: 0.956 − 0.456 is 0.49999… in floating point.
	if (start < 0 || Math.round(end * 1000) - Math.round(start * 1000) < MIN_CLIP_SECONDS * 1000) {
		return `a clip starts at 0 s or later and lasts at least ${MIN_CLIP_SECONDS} s`;
	}
	return { start, end };
}

/** Refuses a range that is not within the source (a little slack for the container's rounding). */
export function assertWithin(range: ClipRange, sourceSeconds: number): void {
	if (range.end > sourceSeconds + 0.05) {
		throw new UnsupportedSource("clip_out_of_range", `the clip ends at ${range.end}s, after the source's ${sourceSeconds}s`);
	}
}

/** FFmpeg arguments that cut `range` of `source` into `out` (with `-progress pipe:1`, for runFfmpeg). */
export function clipArgs(source: string, out: string, demuxer: Demuxer, range: ClipRange, preset: string): string[] {
	return [
		...["-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"],
		// Before -i: a fast seek to the keyframe before `start`, then frames decoded and dropped up to it exactly.
		...["-ss", range.start.toFixed(3), "-t", (range.end - range.start).toFixed(3), ...pinnedInput(demuxer, "file"), "-i", source],
		...["-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1"],
		// Near-transparent: the ladder is encoded from this, so it must not cost visible quality.
		...["-c:v", "libx264", "-preset", preset, "-crf", "18", "-pix_fmt", "yuv420p"],
		...["-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", out],
	];
}
