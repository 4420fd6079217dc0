// The transcode pipeline against FFmpeg alone, on the same 10 s portrait clip in
// the same run:
//   baseline: the transcoder's exact FFmpeg commands (ladder + stills + storyboard
//             tiles, then the sprite) run from the command line on a local file;
//   pipeline: upload complete (the 202 from /api/videos/upload) → TRANSCODE_READY
//             on the uploader's WebSocket, on `npm run dev`'s stack: queue, R2 → transcoder stream, FFmpeg,
//             every output copied back to R2, D1 updated, READY published.
// Prints the medians, the overhead ratio and the realtime factor (clip seconds
// per wall-clock second). Then progressive publishing: for a 10 s and a 60 s
// 1080x1920 source, upload complete → TRANSCODE_PLAYABLE (the first segments of
// every rung in R2 behind EVENT playlists) next to → TRANSCODE_READY (the whole
// ladder), in the same rounds. Ends with one JSON line of the ratios.
// Run: npm run bench:transcode
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import WebSocket from "ws";
import { registerOn, startDevStack } from "../scripts/dev-stack-process.ts";
import { makeClip, makePortraitClip } from "../scripts/test-media.ts";
import { ffmpegArgs, outputDirs, spriteArgs } from "../transcode-container/src/ffmpeg-command.ts";
import { planTranscode } from "../transcode-container/src/ladder.ts";
import { probeFile } from "../transcode-container/src/probe.ts";
import { expectStatus, percentile } from "./support/latency.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** The 60 s source takes about a minute a round on 2 cores. */
const PROGRESSIVE_ROUNDS = Number(process.env.BENCH_PROGRESSIVE_ROUNDS ?? 3);
const CLIP_SECONDS = 10;
const root = resolve(import.meta.dirname, "..");
const scratch = resolve(root, ".local/bench-transcode");

const median = (xs: number[]) =>
	percentile(
		[...xs].sort((a, b) => a - b),
		50,
	);

function ffmpegAlone(source: string, plan: ReturnType<typeof planTranscode>): number {
	const out = join(scratch, "out");
	rmSync(out, { recursive: true, force: true });
	for (const d of outputDirs(plan)) mkdirSync(join(out, d), { recursive: true });
	const started = performance.now();
	for (const args of [ffmpegArgs(source, out, plan, { preset: "veryfast" }, "mov"), spriteArgs(out, plan)]) {
		const r = spawnSync("ffmpeg", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
		if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
	}
	return performance.now() - started;
}

async function main() {
	const clip = makePortraitClip(scratch, CLIP_SECONDS);
	const plan = planTranscode(await probeFile(clip.path, 600, "mov"));
	const stack = await startDevStack("bench", {
		vars: { QUOTA_ANON_PER_HOUR: "1000000", QUOTA_USER_PER_HOUR: "1000000", QUOTA_AUTH_PER_HOUR: "1000000" },
	});
	try {
		const { accessToken } = await registerOn(stack.baseUrl, { name: "Bench" });
		const auth = { authorization: `Bearer ${accessToken}` };

		// READY arrives over the uploader's WebSocket, so no polling loads the machine while FFmpeg runs.
		const socket = new WebSocket(`${stack.baseUrl.replace("http", "ws")}/ws`, { headers: auth });
		await once(socket, "open");
		const readyAt = new Map<string, number>();
		const playableAt = new Map<string, number>();
		socket.on("message", (raw) => {
			const event = JSON.parse(String(raw)) as { type: string; data?: { assetId?: string } };
			if (event.type === "TRANSCODE_READY" && event.data?.assetId) readyAt.set(event.data.assetId, performance.now());
			if (event.type === "TRANSCODE_PLAYABLE" && event.data?.assetId) playableAt.set(event.data.assetId, performance.now());
			if (event.type === "TRANSCODE_FAILED") throw new Error(`transcode failed: ${String(raw)}`);
		});
		let closed = "";
		socket.on("close", (code, reason) => {
			closed = `the uploader's socket closed: ${code} ${String(reason)}`;
		});

		/** Uploads `bytes`; resolves at READY with the ms from upload complete to PLAYABLE (NaN if none came) and to READY. */
		const timeline = async (bytes: Buffer): Promise<{ playable: number; ready: number }> => {
			const form = new FormData();
			form.set("file", new Blob([new Uint8Array(bytes)], { type: "video/mp4" }), "bench.mp4");
			const res = await expectStatus(
				await fetch(`${stack.baseUrl}/api/videos/upload`, { method: "POST", body: form, headers: auth }),
				202,
				"upload",
			);
			const started = performance.now();
			const { id } = (await res.json()) as { id: string };
			for (let waited = 0; !readyAt.has(id); waited += 100) {
				if (closed) throw new Error(closed);
				if (waited > 300_000) throw new Error(`no TRANSCODE_READY for ${id}`);
				await new Promise((r) => setTimeout(r, 100));
			}
			return { playable: (playableAt.get(id) ?? Number.NaN) - started, ready: (readyAt.get(id) as number) - started };
		};
		const pipeline = async () => (await timeline(clip.bytes)).ready;

		// One warm-up of each, then interleaved rounds so machine noise hits both alike.
		ffmpegAlone(clip.path, plan);
		await pipeline();
		const alone: number[] = [];
		const whole: number[] = [];
		for (let i = 0; i < ROUNDS; i++) {
			alone.push(ffmpegAlone(clip.path, plan));
			whole.push(await pipeline());
		}
		const a = median(alone);
		const w = median(whole);
		console.log(
			`Transcoding a ${CLIP_SECONDS} s 720x1280 clip (ladder ${plan.rungs.map((r) => `${r.width}x${r.height}`).join(", ")}), ${ROUNDS} rounds`,
		);
		console.log(`${"scenario".padEnd(34)} ${"median ms".padStart(10)} ${"realtime".padStart(9)}   / ffmpeg alone`);
		for (const [name, ms] of [
			["ffmpeg alone (same commands)", a],
			["pipeline: upload done → ready", w],
		] as const) {
			console.log(
				`${name.padEnd(34)} ${ms.toFixed(0).padStart(10)} ${`${((CLIP_SECONDS * 1000) / ms).toFixed(2)}x`.padStart(9)}   ${(ms / a).toFixed(2)}x`,
			);
		}
		console.log(`overhead of the pipeline over FFmpeg alone: ${((w / a - 1) * 100).toFixed(1)} %`);

		// Progressive publishing: how soon a 1080x1920 upload can be watched, against the whole ladder.
		const progressive: Record<string, { playable: number; ready: number }> = {};
		console.log(`\nTime to playable, 1080x1920 sources, ${PROGRESSIVE_ROUNDS} rounds (upload complete → event)`);
		console.log(`${"source".padEnd(12)} ${"playable ms".padStart(12)} ${"ready ms".padStart(10)}   playable / ready`);
		for (const seconds of [10, 60]) {
			const source = makeClip(scratch, { size: "1080x1920", seconds, name: `tall-${seconds}s.mp4` }).bytes;
			await timeline(source); // warm-up
			const runs: { playable: number; ready: number }[] = [];
			for (let i = 0; i < PROGRESSIVE_ROUNDS; i++) runs.push(await timeline(source));
			const p = median(runs.map((r) => r.playable));
			const r = median(runs.map((x) => x.ready));
			progressive[`${seconds}s`] = { playable: p, ready: r };
			console.log(`${`${seconds} s`.padEnd(12)} ${p.toFixed(0).padStart(12)} ${r.toFixed(0).padStart(10)}   ${(p / r).toFixed(3)}`);
		}
		socket.close();
		const ratio = (x: number) => Math.round(x * 1000) / 1000;
		console.log(
			JSON.stringify({
				bench: "transcode",
				pipelineVsFfmpeg: ratio(w / a),
				playableVsReady10s: ratio((progressive["10s"]?.playable ?? 0) / (progressive["10s"]?.ready ?? 1)),
				playableVsReady60s: ratio((progressive["60s"]?.playable ?? 0) / (progressive["60s"]?.ready ?? 1)),
				playableSeconds10s: ratio((progressive["10s"]?.playable ?? 0) / 1000),
				playableSeconds60s: ratio((progressive["60s"]?.playable ?? 0) / 1000),
			}),
		);
	} finally {
		// BENCH_DUMP=<file>: the stack's whole output, for a run that went wrong.
		if (process.env.BENCH_DUMP) writeFileSync(process.env.BENCH_DUMP, stack.output());
		// BENCH_LOG=1 also prints the consumer's per-phase timings (transcode, copy to R2, finish).
		if (process.env.BENCH_LOG)
			console.log(
				stack
					.output()
					.split("\n")
					.filter((l) => l.includes("transcode_"))
					.join("\n"),
			);
		await stack.stop();
	}
}

await main();
