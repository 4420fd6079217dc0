// A crowd reading, in the shape of issue 26's autocannon run: CROWD_CONNECTIONS (50) closed-loop
// connections, every request from an address of its own, anonymous GETs of the newest reels, one
// reel and its author's profile, for CROWD_SECONDS (20) a pass. Baseline in the same run: the same
// crowd asking for fresh data (`Cache-Control: no-cache`), so that every read reaches the database,
// as every anonymous read did before the isolate shared its answers (workers/lib/http/shared-reads.ts).
// Ends with one JSON line of ratios (crowd / fresh). Run: npm run bench:crowd
import pg from "pg";
import { startDevStack } from "../scripts/dev-stack-process.ts";
import { connectionUrls } from "../scripts/postgres-cluster.ts";
import { LIFTED_QUOTAS } from "./load/lifted-quotas.ts";
import { seedBenchReels } from "./support/bench-reels.ts";
import { percentile } from "./support/latency.ts";

const CONNECTIONS = Number(process.env.CROWD_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.CROWD_SECONDS ?? 20);

interface Pass {
	name: string;
	requests: number;
	perSecond: number;
	p50: number;
	p99: number;
	errors: number;
	/** Answers that came from an isolate's shared reads. */
	shared: number;
}

let nextAddress = 0;
/** A fresh client address per request (10.64.0.0/10), so the per-address burst limit never speaks for the crowd. */
const address = () => {
	const n = nextAddress++;
	return `10.${64 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`;
};

async function pass(name: string, baseUrl: string, paths: string[], fresh: boolean): Promise<Pass> {
	const latencies: number[] = [];
	let errors = 0;
	let shared = 0;
	const started = performance.now();
	const deadline = started + SECONDS * 1000;
	await Promise.all(
		Array.from({ length: CONNECTIONS }, async (_, c) => {
			for (let i = c; performance.now() < deadline; i += CONNECTIONS) {
				const t = performance.now();
				const res = await fetch(`${baseUrl}${paths[i % paths.length]}`, {
					headers: { "cf-connecting-ip": address(), ...(fresh ? { "cache-control": "no-cache" } : {}) },
				}).catch(() => undefined);
				await res?.arrayBuffer();
				latencies.push(performance.now() - t);
				if (res?.status !== 200) errors++;
				else if (res.headers.get("x-shared-read") === "hit") shared++;
			}
		}),
	);
	const seconds = (performance.now() - started) / 1000;
	const sorted = latencies.sort((a, b) => a - b);
	return {
		name,
		requests: sorted.length,
		perSecond: sorted.length / seconds,
		p50: percentile(sorted, 50),
		p99: percentile(sorted, 99),
		errors,
		shared,
	};
}

const stack = await startDevStack("crowd", { vars: LIFTED_QUOTAS });
let failed = false;
try {
	const client = new pg.Client({ connectionString: connectionUrls(stack.cluster).primaryUrl });
	await client.connect();
	await seedBenchReels(client);
	const reel = (
		await client.query<{ id: string; author_id: string }>("SELECT id, author_id FROM reels WHERE video_key LIKE 'cpu/%' LIMIT 1")
	).rows[0];
	await client.end();
	if (!reel) throw new Error("no reel was loaded");
	const paths = ["/api/reels?limit=10", `/api/reels/${reel.id}`, `/api/users/${reel.author_id}`];
	// Warm: the isolate compiles and the pool connects.
	for (let i = 0; i < 30; i++)
		await (await fetch(`${stack.baseUrl}${paths[i % 3]}`, { headers: { "cf-connecting-ip": address() } })).arrayBuffer();

	const fresh = await pass("fresh (no-cache): every read to the database", stack.baseUrl, paths, true);
	const crowd = await pass("crowd: shared anonymous reads", stack.baseUrl, paths, false);
	console.log(`${CONNECTIONS} connections, ${SECONDS} s a pass, every request from its own address; ${paths.join(", ")}`);
	console.log(
		`${"pass".padEnd(46)} ${"requests".padStart(8)} ${"req/s".padStart(7)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"errors".padStart(7)} ${"shared".padStart(7)}`,
	);
	for (const p of [fresh, crowd]) {
		console.log(
			`${p.name.padEnd(46)} ${String(p.requests).padStart(8)} ${p.perSecond.toFixed(0).padStart(7)} ${p.p50.toFixed(1).padStart(8)} ${p.p99.toFixed(1).padStart(8)} ${String(p.errors).padStart(7)} ${`${((100 * p.shared) / p.requests).toFixed(1)}%`.padStart(7)}`,
		);
	}
	failed = fresh.errors + crowd.errors > 0;
	const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
	console.log(
		JSON.stringify({
			bench: "crowd-reads",
			connections: CONNECTIONS,
			throughputVsFresh: ratio(crowd.perSecond, fresh.perSecond),
			p50VsFresh: ratio(crowd.p50, fresh.p50),
			p99VsFresh: ratio(crowd.p99, fresh.p99),
			errors: fresh.errors + crowd.errors,
		}),
	);
} finally {
	await stack.stop();
}
process.exit(failed ? 1 : 0);
