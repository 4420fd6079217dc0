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

/** Bits of the frame code: 1,024 distinct frames before it repeats. */
export const FRAME_CODE_BITS = 10;

/**
 * A raw Y4M video for Chromium's fake camera (`--use-file-for-fake-video-capture`), which loops it:
 * the top quarter of each frame is the frame number as FRAME_CODE_BITS black or white columns (bit 0
 * on the left), coarse enough to survive H.264 at any rung, so a page can read back which frame it
 * shows (`readFrameCodes` in browser.ts). Y4M is uncompressed, so keep it small and short.
 */
export function makeFrameCodeY4m(dir: string, { width = 270, height = 480, rate = 15, seconds = 20 } = {}): string {
	mkdirSync(dir, { recursive: true });
	const path = join(dir, `frame-code-${width}x${height}-${rate}fps-${seconds}s.y4m`);
	const bit = `255*mod(floor(N/pow(2,floor(X*${FRAME_CODE_BITS}/W))),2)`;
	// Below the code: a moving gradient, so the encoder has real motion to code.
	const lum = `if(lt(Y,H/4),${bit},if(lt(Y,H/3),128,mod(X+Y+N*6,256)))`;
	const r = spawnSync(
		"ffmpeg",
		[
			...["-v", "error", "-y", "-f", "lavfi", "-i", `color=c=gray:s=${width}x${height}:r=${rate}`, "-t", String(seconds)],
			...["-vf", `geq=lum='${lum}':cb=128:cr=128`, "-pix_fmt", "yuv420p", path],
		],
		{ encoding: "utf8" },
	);
	if (r.error || r.status !== 0) throw new Error(`ffmpeg could not make the frame-code video (${r.error?.message ?? r.stderr})`);
	return path;
}

/** The frame-code picture as an H.264 MP4 (with a tone unless `silent`): a video whose every frame says which it is. */
export function makeFrameCodeClip(
	dir: string,
	{ width = 270, height = 480, rate = 15, seconds = 8, silent = true } = {},
): { path: string; bytes: Buffer } {
	const y4m = makeFrameCodeY4m(dir, { width, height, rate, seconds });
	const path = y4m.replace(/\.y4m$/, silent ? ".mp4" : "-tone.mp4");
	const audio = silent ? [] : ["-f", "lavfi", "-t", String(seconds), "-i", "sine=frequency=440:sample_rate=48000"];
	runOrExplain(
		"ffmpeg",
		[
			...["-v", "error", "-y", "-i", y4m, ...audio, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
			...(silent ? [] : ["-c:a", "aac", "-shortest"]),
			path,
		],
		"ffmpeg",
	);
	return { path, bytes: readFileSync(path) };
}

/** Which frame a still picture of the frame-code video shows (the same reading as browser.ts's readFrameCodes). */
export function frameCodeOf(picture: Buffer, dir: string): number {
	mkdirSync(dir, { recursive: true });
	const file = join(dir, `frame-code-${process.pid}-${Date.now()}.img`);
	writeFileSync(file, picture);
	const size = spawnSync(
		"ffprobe",
		["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", file],
		{
			encoding: "utf8",
		},
	);
	const [width, height] = size.stdout.trim().split(",").map(Number) as [number, number];
	const raw = spawnSync("ffmpeg", ["-v", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "gray", "-"], { maxBuffer: 64 * 1024 * 1024 });
	if (raw.status !== 0 || !width || !height) throw new Error(`not a picture: ${raw.stderr?.toString() ?? size.stderr}`);
	const row = raw.stdout.subarray(width * Math.floor(height / 8), width * (Math.floor(height / 8) + 1));
	let code = 0;
	for (let b = 0; b < FRAME_CODE_BITS; b++) if ((row[Math.floor(((b + 0.5) * width) / FRAME_CODE_BITS)] ?? 0) > 128) code |= 1 << b;
	return code;
}

function runOrExplain(cmd: string, args: string[], install: string) {
	const r = spawnSync(cmd, args, { encoding: "utf8" });
	if (r.error || r.status !== 0) throw new Error(`${cmd} failed (${r.error?.message ?? r.stderr}); apt-get install -y ${install}`);
}

/**
 * An MP4 (testsrc2 picture) whose audio speaks `sentences` with espeak-ng, each after a second of
 * silence and the last followed by one, so speech starts at 1 s. Its path and duration.
 */
export function makeSpeechClip(dir: string, name: string, sentences: string[]): { path: string; durationS: number; bytes: Buffer } {
	mkdirSync(dir, { recursive: true });
	const wavs = sentences.map((s, i) => {
		const wav = join(dir, `${name}-${i}.wav`);
		runOrExplain("espeak-ng", ["-s", "140", "-w", wav, s], "espeak-ng");
		return wav;
	});
	const path = join(dir, `${name}.mp4`);
	// [pause][sentence][pause][sentence]…[pause]: the pause is input 0, reused.
	const chain = `${wavs.map((_, i) => `[0:a][${i + 1}:a]`).join("")}[0:a]concat=n=${wavs.length * 2 + 1}:v=0:a=1[a]`;
	runOrExplain(
		"ffmpeg",
		[
			...["-v", "error", "-y", "-f", "lavfi", "-t", "1", "-i", "anullsrc=r=22050:cl=mono", ...wavs.flatMap((w) => ["-i", w])],
			...["-f", "lavfi", "-i", "testsrc2=size=180x320:rate=15", "-filter_complex", chain],
			...["-map", `${wavs.length + 1}:v`, "-map", "[a]", "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
			...["-c:a", "aac", path],
		],
		"ffmpeg",
	);
	const probe = spawnSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path], { encoding: "utf8" });
	return { path, durationS: Number(probe.stdout.trim()), bytes: readFileSync(path) };
}

/** Word error rate of `hypothesis` against `reference`: word-level edit distance over the reference's length. */
export function wordErrorRate(reference: string, hypothesis: string): number {
	const words = (s: string) =>
		s
			.toLowerCase()
			.replace(/[^a-z' ]/g, " ")
			.split(/\s+/)
			.filter(Boolean);
	const [r, h] = [words(reference), words(hypothesis)];
	let row = Array.from({ length: h.length + 1 }, (_, j) => j);
	for (let i = 1; i <= r.length; i++) {
		const next = [i];
		for (let j = 1; j <= h.length; j++) {
			next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (r[i - 1] === h[j - 1] ? 0 : 1));
		}
		row = next;
	}
	return (row[h.length] as number) / Math.max(r.length, 1);
}
