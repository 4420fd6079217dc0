// Faults under load (`npm run test:faults`): a shortened mixed load
// (bench/load/) runs on one dev stack while each fault happens in turn:
//   the replica stopped, then restarted; the primary stopped for 10 s; the
//   transcoder killed in the middle of a job; wrangler dev restarted (every
//   Durable Object evicted); Postgres refusing connections for 5 s.
// For each: what users saw (statuses, Retry-After, socket reconnects and
// RECOVERED replays), whether anything acknowledged was lost, whether every
// video still ended, and how long until the platform answered normally again.
// Exits non-zero when something acknowledged was lost or duplicated, or a video was left
// unfinished for any reason but the dev stack's own (a fault's `localOnlyStuck`).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { type DevStackProcess, startDevStack } from "../scripts/dev-stack-process.ts";
import { pidListeningOn } from "../scripts/free-port.ts";
import { refuseConnections, startPrimary, startReplica, stopPrimary, stopReplica } from "../scripts/postgres-cluster.ts";
import { LIFTED_QUOTAS } from "./load/lifted-quotas.ts";
import { settle } from "./load/load-report.ts";
import { loadOptionsFromEnv, runLoad } from "./load/workload.ts";

const options = loadOptionsFromEnv(process.env, {
	seconds: 40,
	browsers: 40,
	imageUploaders: 5,
	videoUploaders: 2,
	sockets: 200,
	seedReels: 2,
});
/** When each fault starts, after the load does. */
const FAULT_AT_MS = 8_000;
const hold = (ms: number) => new Promise((r) => setTimeout(r, ms)); // the fault's own length, not a wait for a condition

/** Pids of the processes whose /proc/<pid>/<file> satisfies `test` (Linux; unreadable entries are skipped). */
function pidsWhere(file: "cmdline" | "stat", test: (text: string) => boolean): number[] {
	return readdirSync("/proc")
		.filter((p) => /^\d+$/.test(p))
		.filter((p) => {
			try {
				return test(readFileSync(`/proc/${p}/${file}`, "utf8"));
			} catch {
				return false;
			}
		})
		.map(Number);
}

/** Processes whose command line contains every one of `parts`. */
const pidsWith = (...parts: string[]) => pidsWhere("cmdline", (cmd) => parts.every((x) => cmd.split("\0").join(" ").includes(x)));

/** Direct children of `pid` (the parent pid is the field after the command name in /proc/<pid>/stat). */
const childrenOf = (pid: number) => pidsWhere("stat", (stat) => stat.split(") ")[1]?.split(" ")[1] === String(pid));

/** Waits until the stack answers a read and a signed-in write normally; resolves with the seconds it took. */
async function recovery(stack: DevStackProcess, since: number): Promise<number> {
	const deadline = Date.now() + 180_000;
	while (Date.now() < deadline) {
		const health = await fetch(`${stack.baseUrl}/health`).catch(() => undefined);
		const feed = await fetch(`${stack.baseUrl}/api/feed?limit=1`, {
			headers: { "cf-connecting-ip": "10.99.0.1", "cache-control": "no-cache" },
		}).catch(() => undefined);
		const write = await fetch(`${stack.baseUrl}/api/auth/register`, {
			method: "POST",
			headers: { "content-type": "application/json", "cf-connecting-ip": "10.99.0.2" },
			body: JSON.stringify({ email: `probe-${crypto.randomUUID()}@example.test`, password: "probe pass 12", name: "Probe" }),
		}).catch(() => undefined);
		const healthy = health?.ok && ((await health.json()) as { status: string }).status === "ok";
		if (healthy && feed?.status === 200 && write?.status === 201) return Math.round((Date.now() - since) / 100) / 10;
		await hold(250);
	}
	return Number.POSITIVE_INFINITY;
}

interface Fault {
	name: string;
	/**
	 * Why a video may be left unfinished by this fault on a dev stack only. Such a video is still
	 * counted in `stuckVideos`, but does not fail the run (docs/reliability.md explains each).
	 */
	localOnlyStuck?: string;
	/** Injects the fault and ends it; resolves with the moment the fault ended. */
	inject: (stack: DevStackProcess, videosProcessing: () => boolean) => Promise<number>;
}

const FAULTS: Fault[] = [
	{
		name: "replica stopped, then restarted",
		inject: async (stack) => {
			stopReplica(stack.cluster);
			await hold(10_000);
			startReplica(stack.cluster);
			return Date.now();
		},
	},
	{
		name: "primary stopped for 10 s",
		inject: async (stack) => {
			stopPrimary(stack.cluster);
			await hold(10_000);
			startPrimary(stack.cluster);
			return Date.now();
		},
	},
	{
		name: "transcoder killed in the middle of a job",
		inject: async (stack, videosProcessing) => {
			const deadline = Date.now() + 30_000;
			while (!videosProcessing() && Date.now() < deadline) await hold(100);
			const port = Number(new URL(stack.transcoderUrl).port);
			const pid = pidListeningOn(port);
			if (pid === undefined) throw new Error("no transcoder to kill");
			// SIGKILL, FFmpeg children first: nothing gets to clean up, as when a container instance dies.
			for (const child of childrenOf(pid)) process.kill(child, "SIGKILL");
			process.kill(pid, "SIGKILL");
			return Date.now();
		},
	},
	{
		name: "wrangler dev restarted (Durable Objects evicted)",
		localOnlyStuck:
			"the local queue keeps messages in memory, so a delivery cut short by the restart is never redelivered (Cloudflare Queues redeliver it)",
		inject: async (stack) => {
			const port = new URL(stack.baseUrl).port;
			const [pid] = pidsWith("wrangler", " dev ", `--port ${port}`).filter((p) => !pidsWith("dev.ts").includes(p));
			if (pid === undefined) throw new Error("no wrangler dev to restart");
			process.kill(pid, "SIGTERM");
			return Date.now();
		},
	},
	{
		name: "Postgres refuses connections for 5 s",
		inject: async (stack) => {
			refuseConnections(stack.cluster, true);
			await hold(5_000);
			refuseConnections(stack.cluster, false);
			return Date.now();
		},
	},
];

const only = process.env.FAULTS?.split(",");
const stack = await startDevStack("faults", { fresh: true, vars: LIFTED_QUOTAS });
const results = [];
let failed = false;
try {
	for (const [i, fault] of FAULTS.entries()) {
		if (only && !only.includes(String(i + 1))) continue;
		console.log(`\n=== fault ${i + 1}: ${fault.name} ===`);
		let endedAt = 0;
		let recoverySeconds = Number.POSITIVE_INFINITY;
		let injectError: unknown;
		const run = await runLoad(stack.baseUrl, options, {
			log: (m) => console.log(`  ${m}`),
			during: async ({ videos }) => {
				await hold(FAULT_AT_MS);
				console.log(`  injecting: ${fault.name}`);
				endedAt = await fault
					.inject(stack, () => videos.some((v) => v.status === "processing" && v.endedAt === undefined))
					.catch((err) => {
						injectError = err;
						return Date.now();
					});
				console.log("  fault over; probing until a read and a write succeed");
				recoverySeconds = await recovery(stack, endedAt);
				console.log(`  recovered in ${recoverySeconds} s`);
			},
		});
		const settled = await settle(run);
		const result = {
			fault: fault.name,
			statuses: run.stats.statusCounts(),
			retryAfter: Object.fromEntries(run.stats.retryAfter),
			socketReconnects: run.fleet.reconnects(),
			recoveredReplays: run.fleet.recoveries(),
			acknowledgedWrites: settled.summary.acknowledgedWrites,
			lostWrites: settled.summary.lostWrites,
			duplicatedWrites: settled.summary.duplicatedWrites,
			wsLost: settled.summary.wsLost,
			videos: run.videos.map((v) => `${v.status}${v.reason ? ` (${v.reason})` : ""}`),
			stuckVideos: settled.stuckVideos.length,
			recoverySeconds,
			...(fault.localOnlyStuck && settled.stuckVideos.length ? { stuckBecause: fault.localOnlyStuck } : {}),
			...(injectError ? { injectError: String(injectError) } : {}),
		};
		console.log(JSON.stringify(result, null, 1));
		for (const d of settled.details) console.log(`  ${d}`);
		results.push(result);
	}
} finally {
	await stack.stop();
	// What the stack itself logged (the Worker, the transcoder, dev.ts restarting a child), for the post-mortem.
	mkdirSync(resolve(import.meta.dirname, "../.local/artifacts"), { recursive: true });
	writeFileSync(resolve(import.meta.dirname, "../.local/artifacts/faults-stack.log"), stack.output());
}
const summary = {
	faults: results.length,
	acknowledgedWrites: results.reduce((n, r) => n + r.acknowledgedWrites, 0),
	lostWrites: results.reduce((n, r) => n + r.lostWrites, 0),
	stuckVideos: results.reduce((n, r) => n + r.stuckVideos, 0),
	recoverySeconds: Math.max(0, ...results.map((r) => r.recoverySeconds)),
};
failed = summary.lostWrites > 0 || results.some((r) => r.duplicatedWrites > 0 || r.injectError || (r.stuckVideos > 0 && !r.stuckBecause));
console.log(JSON.stringify(summary));
process.exit(failed ? 1 : 0);
