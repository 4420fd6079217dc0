// Live streaming latency and capacity on `npm run dev`'s stack.
//
// Latency: a frame sent → the segment holding it listed. `npm run live:push` sends a 1280x720
// 30 fps MPEG-TS file in real time (-re, copied, so the publisher costs no encoding); the frame
// that ends segment i was sent at first byte + (end of segment i − 1/30 s), since -re paces
// frames from the first. The playlists of every rung are polled every 50 ms; a segment counts as
// listed once it is in all of them. Baseline, in the same run: the same file piped in real time
// into the transcoder's own live FFmpeg command writing to a local folder, polled the same way
// (what the encoder alone costs). Prints p50/p95 and the pipeline/FFmpeg ratio.
//
// Capacity: 1, 2, 3… streams pushed at once (20 s each); a step is sustained when every stream went
// live, ended with ENDLIST, and kept its p95 at or under 4 s. Stops at the first step that is not.
// Ends with one JSON line. Run: npm run bench:live
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { registerOn, startDevStack } from "../scripts/dev-stack-process.ts";
import { makeClip } from "../scripts/test-media.ts";
import { LIVE_OUTPUT, liveFfmpegArgs } from "../transcode-container/src/live/live-command.ts";
import { planLiveLadder } from "../transcode-container/src/live/live-ladder.ts";
import { percentile } from "./support/latency.ts";

const root = resolve(import.meta.dirname, "..");
const scratch = resolve(root, ".local/bench-live");
const FPS = 30;
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 20);
const MAX_STREAMS = Number(process.env.BENCH_LIVE_MAX_STREAMS ?? 6);
const TARGET_P95_MS = 4_000;
const POLL_MS = 50;

mkdirSync(scratch, { recursive: true });
const source = makeClip(scratch, { size: "1280x720", seconds: SECONDS + 2, rate: FPS, name: "live-source.ts" }).path;

/** Per segment, when it was listed in every playlist `read` returns; `read` gives null until they exist. */
function segmentWatcher(read: () => Promise<string[] | null>) {
	const firstSeen = new Map<number, number[]>();
	const ends: number[] = [];
	let ended = false;
	let stopped = false;
	const loop = (async () => {
		while (!stopped) {
			const texts = await read().catch(() => null);
			const now = Date.now();
			if (texts) {
				texts.forEach((text, rung) => {
					const durations = [...text.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
					durations.forEach((d, i) => {
						if (rung === 0) ends[i] = (ends[i - 1] ?? 0) + d;
						const seen = firstSeen.get(i) ?? [];
						seen[rung] ??= now;
						firstSeen.set(i, seen);
					});
				});
				if (texts.every((t) => t.includes("#EXT-X-ENDLIST"))) ended = true;
			}
			await new Promise((r) => setTimeout(r, POLL_MS));
		}
	})();
	return {
		stop: async () => {
			stopped = true;
			await loop;
		},
		/** Latency per segment (ms), given the epoch ms of the first byte sent; `rungs` playlists must all list it. */
		latencies: (firstByteAt: number, rungs: number) =>
			[...firstSeen.entries()]
				.filter(([i, seen]) => seen.filter(Boolean).length === rungs && ends[i] !== undefined)
				.map(([i, seen]) => Math.max(...seen) - (firstByteAt + ((ends[i] as number) - 1 / FPS) * 1000)),
		ended: () => ended,
	};
}

const summary = (xs: number[]) => {
	const sorted = [...xs].sort((a, b) => a - b);
	return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), segments: xs.length };
};

async function ffmpegAlone(): Promise<ReturnType<typeof summary>> {
	const out = join(scratch, "alone");
	rmSync(out, { recursive: true, force: true });
	const ladder = planLiveLadder(1280, 720);
	for (let i = 0; i < ladder.length; i++) mkdirSync(join(out, LIVE_OUTPUT.rungDir(i)), { recursive: true });
	const sender = spawn(
		"ffmpeg",
		["-hide_banner", "-loglevel", "error", "-re", "-i", source, "-t", String(SECONDS), "-c", "copy", "-f", "mpegts", "pipe:1"],
		{
			stdio: ["ignore", "pipe", "inherit"],
		},
	);
	const encoder = spawn("ffmpeg", liveFfmpegArgs(out, ladder, true, false, "veryfast", "mpegts"), { stdio: ["pipe", "ignore", "inherit"] });
	let firstByteAt = 0;
	sender.stdout.once("data", () => {
		firstByteAt = Date.now();
	});
	sender.stdout.pipe(encoder.stdin);
	const watch = segmentWatcher(async () => ladder.map((_, i) => readFileSync(join(out, LIVE_OUTPUT.playlist(i)), "utf8")));
	await new Promise((r) => encoder.on("close", r));
	await watch.stop();
	return summary(watch.latencies(firstByteAt, ladder.length));
}

// The transcoder reads its own environment (dev.ts passes ours on): room for every stream we ramp to.
process.env.MAX_LIVE_STREAMS = String(MAX_STREAMS);
const stack = await startDevStack("bench-live", {
	fresh: true,
	vars: { QUOTA_ANON_PER_HOUR: "1000000", QUOTA_USER_PER_HOUR: "1000000", QUOTA_AUTH_PER_HOUR: "1000000", LIVE_STREAMS_PER_USER: "100" },
});

interface Pushed {
	child: ChildProcess;
	events: { event: string; at: number; code?: number }[];
	exited: Promise<number>;
}

function livePush(id: string, key: string): Pushed {
	const child = spawn(
		process.execPath,
		[
			join(root, "scripts/live-push.ts"),
			source,
			"--copy",
			"--duration",
			String(SECONDS),
			"--url",
			stack.baseUrl,
			"--stream",
			id,
			"--key",
			key,
		],
		{ stdio: ["ignore", "pipe", "inherit"] },
	);
	const events: Pushed["events"] = [];
	child.stdout?.setEncoding("utf8").on("data", (d: string) => {
		for (const line of d.split("\n")) if (line.trim()) events.push(JSON.parse(line));
	});
	return { child, events, exited: new Promise((r) => child.on("close", (code) => r(code ?? -1))) };
}

async function oneStream(token: string) {
	const res = await fetch(`${stack.baseUrl}/api/live`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
	const s = (await res.json()) as { id: string; streamKey: string; playback: { hls: string } };
	const base = new URL(s.playback.hls, stack.baseUrl);
	const rungs = 2;
	const watch = segmentWatcher(async () => {
		const texts = await Promise.all(
			Array.from({ length: rungs }, async (_, i) => {
				const r = await fetch(new URL(`${i}/index.m3u8`, base));
				return r.ok ? r.text() : null;
			}),
		);
		return texts.every((t) => t !== null) ? (texts as string[]) : null;
	});
	const pushed = livePush(s.id, s.streamKey);
	const code = await pushed.exited;
	for (let i = 0; i < 100 && !watch.ended(); i++) await new Promise((r) => setTimeout(r, 100));
	await watch.stop();
	const firstByte = pushed.events.find((e) => e.event === "first_byte")?.at ?? Number.NaN;
	return { ok: code === 0 && watch.ended(), ...summary(watch.latencies(firstByte, rungs)) };
}

let result: Record<string, number> = {};
try {
	const owner = await registerOn(stack.baseUrl, { name: "Bench streamer", verifyVia: stack.mailUrl });
	// Warm-up: the first stream compiles the code paths and opens the first connections.
	await oneStream(owner.accessToken);
	const alone = await ffmpegAlone();
	const pipeline = await oneStream(owner.accessToken);
	console.log(`\nframe sent → its segment listed (${SECONDS} s, 1280x720 → 720p + 360p, 1 s segments)`);
	console.log(`  FFmpeg alone     p50 ${alone.p50.toFixed(0)} ms   p95 ${alone.p95.toFixed(0)} ms   (${alone.segments} segments)`);
	console.log(`  reels-edge live  p50 ${pipeline.p50.toFixed(0)} ms   p95 ${pipeline.p95.toFixed(0)} ms   (${pipeline.segments} segments)`);
	console.log(`  pipeline / FFmpeg alone (p50): ${(pipeline.p50 / alone.p50).toFixed(2)}x`);

	let sustained = 0;
	console.log("\nsimultaneous streams (each must go live, end with ENDLIST and keep p95 ≤ 4 s)");
	for (let n = 1; n <= MAX_STREAMS; n++) {
		const runs = await Promise.all(Array.from({ length: n }, () => oneStream(owner.accessToken)));
		const worstP95 = Math.max(...runs.map((r) => r.p95));
		const ok = runs.every((r) => r.ok && r.p95 <= TARGET_P95_MS);
		console.log(
			`  ${n} stream${n > 1 ? "s" : " "}: worst p95 ${worstP95.toFixed(0)} ms, ${runs.filter((r) => r.ok).length}/${n} ended cleanly → ${ok ? "sustained" : "not sustained"}`,
		);
		if (!ok) break;
		sustained = n;
	}
	result = {
		latencyP50Ms: Math.round(pipeline.p50),
		latencyP95Ms: Math.round(pipeline.p95),
		ffmpegAloneP50Ms: Math.round(alone.p50),
		pipelineVsFfmpegP50: Number((pipeline.p50 / alone.p50).toFixed(3)),
		sustainedStreams: sustained,
	};
} finally {
	await stack.stop();
}
console.log(JSON.stringify({ bench: "live", ...result }));
