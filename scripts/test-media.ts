// Real media for the Node tests, the end-to-end tests and the benchmarks,
// made and checked by the same ffmpeg/ffprobe the transcoder uses.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ClipOptions {
	/** WIDTHxHEIGHT of the lavfi test pattern. */
	size: string;
	seconds: number;
	rate?: number;
	/** No audio track at all (a silent source, not a quiet one). */
	silent?: boolean;
	name?: string;
}

/** An H.264 (+ AAC 440 Hz tone unless silent) MP4 of the testsrc2 pattern, written to `dir`. */
export function makeClip(dir: string, { size, seconds, rate = 30, silent = false, name }: ClipOptions): { path: string; bytes: Buffer } {
	mkdirSync(dir, { recursive: true });
	const path = join(dir, name ?? `clip-${size}-${seconds}s${silent ? "-silent" : ""}.mp4`);
	const audio = silent ? [] : ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"];
	const r = spawnSync(
		"ffmpeg",
		[
			...["-v", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${size}:rate=${rate}`, ...audio],
			...["-t", String(seconds), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", ...(silent ? [] : ["-c:a", "aac"]), path],
		],
		{ encoding: "utf8" },
	);
	if (r.error || r.status !== 0)
		throw new Error(`ffmpeg could not make the test clip (${r.error?.message ?? r.stderr}); apt-get install -y ffmpeg`);
	return { path, bytes: readFileSync(path) };
}

/** A one-frame JPEG of the testsrc2 pattern, `size` WIDTHxHEIGHT, written to `dir`. */
export function makeTestJpeg(dir: string, size = "640x640"): Buffer {
	mkdirSync(dir, { recursive: true });
	const path = join(dir, `still-${size}.jpg`);
	const r = spawnSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", `testsrc2=s=${size}`, "-frames:v", "1", path], {
		encoding: "utf8",
	});
	if (r.error || r.status !== 0)
		throw new Error(`ffmpeg could not make the test image (${r.error?.message ?? r.stderr}); apt-get install -y ffmpeg`);
	return readFileSync(path);
}

/** The reel-shaped clip the transcode end-to-end test and benchmark share: 720x1280 at 30 fps with a tone. */
export const makePortraitClip = (dir: string, seconds = 10) =>
	makeClip(dir, { size: "720x1280", seconds, name: `portrait-${seconds}s.mp4` });

/** What ffprobe decodes from `bytes` (e.g. an init segment + a media segment): the first video stream's size and frame count. */
export function ffprobeVideo(bytes: Buffer, dir: string): { width: number; height: number; frames: number } {
	const path = join(dir, `probe-${crypto.randomUUID()}.mp4`);
	writeFileSync(path, bytes);
	const r = spawnSync(
		"ffprobe",
		["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=width,height,nb_read_frames", "-of", "json", path],
		{ encoding: "utf8" },
	);
	const s = (JSON.parse(r.stdout) as { streams: { width: number; height: number; nb_read_frames: string }[] }).streams[0];
	if (!s) throw new Error(`ffprobe decoded no video: ${r.stderr}`);
	return { width: s.width, height: s.height, frames: Number(s.nb_read_frames) };
}
