// The animated preview: a short, muted, looping MP4 that grids play on hover
// or when a tile scrolls into view (like Stream's animated thumbnails and Mux's
// animated GIFs, but a tenth of a GIF's bytes). About 3 s from the most active
// part of the video, found for free: the ladder's lowest rung spent the most
// bits on its busiest segment. Small on purpose: 15 fps, short side 240, capped
// at 400 kbit/s, so a 3 s loop is about 150 KB and a grid of them stays light.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { OUTPUT } from "./ffmpeg-command.ts";
import { type Demuxer, pinnedInput } from "./input-format.ts";
import type { TranscodePlan } from "./ladder.ts";

export const PREVIEW_SECONDS = 3;
/** The most a preview's encode may take: 3 s of small video encode in well under a second on a slow instance. */
export const PREVIEW_MAX_MS = 30_000;
const PREVIEW_SHORT_SIDE = 240;
const PREVIEW_FPS = 15;

/** Where the preview starts: the start of the segment with the most bytes, moved back so the whole loop fits. */
export function previewStart(segmentBytes: number[], segmentSeconds: number, durationS: number): number {
	let busiest = 0;
	segmentBytes.forEach((b, i) => {
		if (b > (segmentBytes[busiest] ?? 0)) busiest = i;
	});
	return Math.max(0, Math.min(busiest * segmentSeconds, durationS - PREVIEW_SECONDS));
}

/** The lowest rung's media segments' sizes, in order (seg-00001.m4s, seg-00002.m4s, …). */
export async function lowestRungSegmentBytes(outDir: string, plan: TranscodePlan): Promise<number[]> {
	const dir = join(outDir, OUTPUT.segmentDir(plan.rungs.length - 1));
	const names = (await readdir(dir)).filter((n) => /^seg-\d+\.m4s$/.test(n)).sort();
	return Promise.all(names.map(async (n) => (await stat(join(dir, n))).size));
}

/** The preview's size: short side 240 (never upscaled), the source's shape, even sides. */
export function previewSize(width: number, height: number): { width: number; height: number } {
	const scale = Math.min(1, PREVIEW_SHORT_SIDE / Math.min(width, height));
	const even = (n: number) => Math.max(2, Math.round((n * scale) / 2) * 2);
	return { width: even(width), height: even(height) };
}

/** FFmpeg arguments that write `OUTPUT.preview` from `source`, starting at `startS` (with `-progress pipe:1`, for runFfmpeg). */
export function previewArgs(source: string, outDir: string, plan: TranscodePlan, demuxer: Demuxer, startS: number): string[] {
	const top = plan.rungs[0] as { width: number; height: number };
	const size = previewSize(top.width, top.height);
	return [
		...["-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"],
		...["-ss", startS.toFixed(3), "-t", String(Math.min(PREVIEW_SECONDS, plan.durationS)), ...pinnedInput(demuxer, "file"), "-i", source],
		...["-map", "0:v:0", "-an", "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1"],
		...["-vf", `fps=${PREVIEW_FPS},scale=${size.width}:${size.height},setsar=1`],
		...["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-pix_fmt", "yuv420p", "-crf", "30"],
		...["-maxrate", "400k", "-bufsize", "800k", "-movflags", "+faststart", join(outDir, OUTPUT.preview)],
	];
}
