// The reel-shaped clip the transcode end-to-end test and benchmark share:
// portrait 720x1280 at 30 fps (testsrc2) with a 440 Hz tone, H.264 + AAC.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export function makePortraitClip(dir: string, seconds = 10): { path: string; bytes: Buffer } {
	mkdirSync(dir, { recursive: true });
	const path = join(dir, `portrait-${seconds}s.mp4`);
	const r = spawnSync(
		"ffmpeg",
		[
			...["-v", "error", "-y"],
			...["-f", "lavfi", "-i", "testsrc2=size=720x1280:rate=30"],
			...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"],
			...["-t", String(seconds), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", path],
		],
		{ encoding: "utf8" },
	);
	if (r.error || r.status !== 0)
		throw new Error(`ffmpeg could not make the test clip (${r.error?.message ?? r.stderr}); apt-get install -y ffmpeg`);
	return { path, bytes: readFileSync(path) };
}
