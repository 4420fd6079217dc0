// How much does read-your-writes routing cost per read? Runs a real dev stack
// (scripts/dev.ts on its own ports), then times GET /api/users/:id through
// wrangler dev in three interleaved scenarios and prints each against the
// baseline measured in the same run:
//   replica         no token: freshness check + query on the replica (the common read)
//   replica+token   a token the replica has replayed: same path, token compared
//   primary         a token the replica has not reached: freshness check, then the primary
// Also prints the share of reads the replica served. Run: npm run bench
import pg from "pg";
import { startDevStack } from "../scripts/dev-stack-process.ts";
import { connectionUrls } from "../scripts/postgres-cluster.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 400);
const WARMUP = 50;

type Scenario = { name: string; headers: Record<string, string> };

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function main() {
	const stack = await startDevStack("bench", 8807);
	try {
		const client = new pg.Client({ connectionString: connectionUrls(stack.cluster).primaryUrl });
		await client.connect();
		const id = crypto.randomUUID();
		await client.query("INSERT INTO users (id, email, name) VALUES ($1, $2, 'Bench')", [id, `${id}@example.test`]);
		const { rows } = await client.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
		await client.end();
		const replayedToken = rows[0]?.lsn ?? "0/0";
		await new Promise((r) => setTimeout(r, 1000)); // let the replica replay the insert

		const scenarios: Scenario[] = [
			{ name: "replica", headers: {} },
			{ name: "replica+token", headers: { "x-consistency-token": replayedToken } },
			{ name: "primary", headers: { "x-consistency-token": "FFFFFFFF/0" } },
		];
		const url = `${stack.baseUrl}/api/users/${id}`;
		const samples = new Map(scenarios.map((s) => [s.name, [] as number[]]));
		const servedBy = new Map<string, number>();

		for (let i = 0; i < WARMUP; i++) await fetch(url).then((r) => r.arrayBuffer());
		// Interleaved, so machine noise hits every scenario alike.
		for (let i = 0; i < ROUNDS; i++) {
			for (const s of scenarios) {
				const started = performance.now();
				const res = await fetch(url, { headers: { ...s.headers, "cf-connecting-ip": `10.0.${i % 250}.${scenarios.indexOf(s)}` } });
				await res.arrayBuffer();
				samples.get(s.name)?.push(performance.now() - started);
				if (res.status !== 200) throw new Error(`${s.name}: HTTP ${res.status}`);
				const via = (res.headers.get("x-db-read") ?? "none").split(";")[0] ?? "none";
				servedBy.set(via, (servedBy.get(via) ?? 0) + 1);
			}
		}

		const base = [...(samples.get("replica") ?? [])].sort((a, b) => a - b);
		const baseP50 = percentile(base, 50);
		console.log(`read routing, ${ROUNDS} requests per scenario through wrangler dev (ms)`);
		console.log("scenario        p50     p99     p50 / replica p50");
		for (const s of scenarios) {
			const sorted = [...(samples.get(s.name) ?? [])].sort((a, b) => a - b);
			const p50 = percentile(sorted, 50);
			console.log(
				`${s.name.padEnd(14)} ${p50.toFixed(2).padStart(6)} ${percentile(sorted, 99).toFixed(2).padStart(7)}     ${(p50 / baseP50).toFixed(2)}x`,
			);
		}
		const total = [...servedBy.values()].reduce((a, b) => a + b, 0);
		console.log(
			`served by: ${[...servedBy.entries()].map(([k, v]) => `${k} ${((100 * v) / total).toFixed(1)}%`).join(", ")} (expected: replica 66.7%, primary 33.3%)`,
		);
	} finally {
		await stack.stop();
	}
}

main().catch((err: Error) => {
	console.error(err.message);
	process.exit(1);
});
