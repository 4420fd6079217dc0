// What each main read costs the Worker: CPU time of the isolate per request (busy samples of a
// DevTools CPU profile over the requests, divided by their number), CPU of the runtime's
// processes per request (from /proc, the parsing, TLS-less HTTP and bindings around the isolate
// included), and the statements and object calls the response's x-request-cost counts. The
// baseline is a bare hono Worker under the same `wrangler dev` (bench/bare-worker): what the local
// runtime costs any request; every read is a ratio of it. Anonymous reads are measured twice: as a
// crowd makes them (most answered from the isolate's shared reads, lib/http/shared-reads.ts) and
// "fresh" (Cache-Control: no-cache), each going to the database. BENCH_TOP=n prints the n functions with
// the most self time per scenario.
// Run: npm run bench:cpu
import { readFileSync } from "node:fs";
import pg from "pg";
import { registerOn, startDevStack } from "../scripts/dev-stack-process.ts";
import { connectionUrls } from "../scripts/postgres-cluster.ts";
import { startBareWorker } from "./support/bare-worker.ts";
import { seedBenchReels } from "./support/bench-reels.ts";
import { startCpuProfile } from "./support/cpu-profile.ts";
import { expectStatus } from "./support/latency.ts";
import { descendants } from "./support/processes.ts";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const TOP = Number(process.env.BENCH_TOP ?? 0);
/** CPU seconds (user + system) the processes have used so far. */
function cpuSeconds(pids: number[]): number {
	const hz = 100;
	return pids.reduce((sum, pid) => {
		const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
		return sum + (Number(fields[11]) + Number(fields[12])) / hz;
	}, 0);
}

interface Row {
	name: string;
	isolateMs: number;
	processMs: number;
	rate: number;
	cost: string;
}

interface Scenario {
	name: string;
	target: "bare" | "stack";
	path: string;
	signedIn: boolean;
	/** `Cache-Control: no-cache`: the anonymous read past the isolate's shared answers, to the database (lib/http/shared-reads.ts). */
	fresh?: boolean;
}

/** Requests `scenario.path` REQUESTS times, CONCURRENCY at a time, profiling the isolate and reading the processes' CPU around it. */
async function run(
	scenario: Scenario,
	target: { baseUrl: string; inspectorPort: number; pids: number[] },
	accessToken: string,
): Promise<Row> {
	let cost = "";
	const one = async (i: number) => {
		const res = await fetch(`${target.baseUrl}${scenario.path}`, {
			headers: {
				"cf-connecting-ip": `10.8.${1 + (i % 200)}.${i % 250}`,
				...(scenario.signedIn ? { authorization: `Bearer ${accessToken}` } : {}),
				...(scenario.fresh ? { "cache-control": "no-cache" } : {}),
			},
		});
		await expectStatus(res, 200, scenario.name);
		await res.arrayBuffer();
		cost = `${res.headers.get("x-request-cost") ?? ""}${res.headers.get("x-shared-read") === "hit" ? " (shared)" : ""}`;
	};
	// Warm: the isolate compiles, pools connect, caches fill.
	for (let i = 0; i < 30; i++) await one(i);
	const burst = async () => {
		let next = 0;
		await Promise.all(
			Array.from({ length: CONCURRENCY }, async () => {
				while (next < REQUESTS) await one(next++);
			}),
		);
	};
	// First without the profiler (its sampling and the inspector slow the isolate): the processes' CPU and the rate.
	const cpuBefore = cpuSeconds(target.pids);
	const started = performance.now();
	await burst();
	const seconds = (performance.now() - started) / 1000;
	const processMs = ((cpuSeconds(target.pids) - cpuBefore) * 1000) / REQUESTS;
	// Then profiled: the isolate's own busy time, and where it goes.
	const stop = await startCpuProfile(target.inspectorPort);
	await burst();
	const profile = await stop(TOP || 1);
	if (TOP) console.log(`${scenario.name}: self time by function (% of busy samples)`, profile.top);
	return { name: scenario.name, isolateMs: profile.busyMs / REQUESTS, processMs, rate: REQUESTS / seconds, cost };
}

async function main() {
	const stack = await startDevStack("cpu", {
		vars: { QUOTA_ANON_PER_HOUR: "10000000", QUOTA_USER_PER_HOUR: "10000000", QUOTA_AUTH_PER_HOUR: "10000000" },
	});
	try {
		const client = new pg.Client({ connectionString: connectionUrls(stack.cluster).primaryUrl });
		await client.connect();
		await seedBenchReels(client);
		const { accessToken, user } = await registerOn(stack.baseUrl, { name: "Viewer", ip: "10.8.0.1" });
		await client.query(
			"INSERT INTO follows (follower_id, followee_id) SELECT $1, id FROM users WHERE email LIKE 'cpu%@bench.test' ON CONFLICT DO NOTHING",
			[user.id],
		);
		const reel = (
			await client.query<{ id: string; author_id: string }>("SELECT id, author_id FROM reels WHERE video_key LIKE 'cpu/%' LIMIT 1")
		).rows[0];
		await client.end();
		if (!reel) throw new Error("no reel was loaded");
		await expectStatus(await fetch(`${stack.baseUrl}/__scheduled?cron=*/5+*+*+*+*`), 200, "trending cron");

		const bare = await startBareWorker();
		try {
			const targets = {
				bare: { baseUrl: bare.baseUrl, inspectorPort: bare.inspectorPort, pids: descendants(bare.child.pid as number, "workerd") },
				stack: { baseUrl: stack.baseUrl, inspectorPort: stack.inspectorPort, pids: descendants(stack.child.pid as number, "workerd") },
			};
			if (targets.bare.pids.length === 0 || targets.stack.pids.length === 0) throw new Error("no workerd process found");
			const scenarios: Scenario[] = [
				{ name: "bare hono worker (baseline)", target: "bare", path: "/bytes/2", signedIn: false },
				{ name: "health", target: "stack", path: "/health", signedIn: false },
				{ name: "reels, newest", target: "stack", path: "/api/reels?limit=10", signedIn: false },
				{ name: "reel by id", target: "stack", path: `/api/reels/${reel.id}`, signedIn: false },
				{ name: "profile", target: "stack", path: `/api/users/${reel.author_id}`, signedIn: false },
				{ name: "reels, newest, fresh", target: "stack", path: "/api/reels?limit=10", signedIn: false, fresh: true },
				{ name: "reel by id, fresh", target: "stack", path: `/api/reels/${reel.id}`, signedIn: false, fresh: true },
				{ name: "profile, fresh", target: "stack", path: `/api/users/${reel.author_id}`, signedIn: false, fresh: true },
				{ name: "feed, signed in", target: "stack", path: "/api/feed?limit=10", signedIn: true },
				{ name: "reels, signed in", target: "stack", path: "/api/reels?limit=10", signedIn: true },
			];
			const results: Row[] = [];
			for (const scenario of scenarios) results.push(await run(scenario, targets[scenario.target], accessToken));
			const base = results[0] as Row;
			console.log(`CPU per request, ${REQUESTS} requests per scenario, ${CONCURRENCY} at a time`);
			console.log("  isolate ms: the isolate's busy samples in a CPU profile (the profiled pass: the profiler slows it)");
			console.log("  workerd ms: the runtime's processes, unprofiled pass; own ms: that less the bare Worker's (the runtime's floor)");
			console.log(
				`${"scenario".padEnd(28)} ${"isolate ms".padStart(10)} ${"workerd ms".padStart(10)} ${"own ms".padStart(7)} ${"req/s".padStart(7)}  ${"x".padStart(6)}  cost`,
			);
			for (const r of results) {
				const cells = [
					r.isolateMs.toFixed(2).padStart(10),
					r.processMs.toFixed(2).padStart(10),
					(r.processMs - base.processMs).toFixed(2).padStart(7),
				];
				cells.push(r.rate.toFixed(0).padStart(7));
				console.log(`${r.name.padEnd(28)} ${cells.join(" ")}  ${(r.isolateMs / base.isolateMs).toFixed(2).padStart(5)}x  ${r.cost}`);
			}
			console.log(
				JSON.stringify({
					bench: "cpu",
					...Object.fromEntries(results.slice(1).map((r) => [r.name, Math.round((r.isolateMs / base.isolateMs) * 100) / 100])),
				}),
			);
		} finally {
			bare.stop();
		}
	} finally {
		await stack.stop();
	}
}

await main();
