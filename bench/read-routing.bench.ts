// How much does read-your-writes routing cost per read? Runs a real dev stack
// (scripts/dev.ts on its own ports), then times GET /api/users/:id through
// wrangler dev in three interleaved scenarios against the first:
//   replica         no token: freshness check + query on the replica (the common read)
//   replica+token   a token the replica has replayed: same path, token compared
//   primary         a token the replica has not reached: freshness check, then the primary
// and prints the share of reads the replica served. Run: npm run bench
import pg from "pg";
import { startDevStack } from "../scripts/dev-stack-process.ts";
import { connectionUrls } from "../scripts/postgres-cluster.ts";
import { expectStatus, measure, readSources, report } from "./support/latency.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 400);

async function main() {
	// Quotas lifted so one client address per scenario can make every request (steady state: warm limiter objects).
	const stack = await startDevStack("bench", {
		vars: { QUOTA_ANON_PER_HOUR: "1000000", QUOTA_USER_PER_HOUR: "1000000", QUOTA_AUTH_PER_HOUR: "1000000" },
	});
	try {
		const client = new pg.Client({ connectionString: connectionUrls(stack.cluster).primaryUrl });
		await client.connect();
		const id = crypto.randomUUID();
		await client.query("INSERT INTO users (id, email, name) VALUES ($1, $2, 'Bench')", [id, `${id}@example.test`]);
		const { rows } = await client.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
		await client.end();
		const replayedToken = rows[0]?.lsn ?? "0/0";
		await new Promise((r) => setTimeout(r, 1000)); // let the replica replay the insert

		const servedBy = readSources();
		const read = (name: string, headers: Record<string, string>) => ({
			name,
			run: async (round: number) => {
				// One client address per scenario; the burst limiter counts per address, so spread the load over a few.
				const res = await fetch(`${stack.baseUrl}/api/users/${id}`, {
					headers: { ...headers, "cf-connecting-ip": `10.1.${name.length}.${Math.abs(round) % 8}` },
				});
				await expectStatus(res, 200, name);
				await res.arrayBuffer();
				if (round >= 0) servedBy.record(res);
			},
		});
		const samples = await measure(
			[
				read("replica", {}),
				read("replica+token", { "x-consistency-token": replayedToken }),
				read("primary", { "x-consistency-token": "FFFFFFFF/0" }),
			],
			ROUNDS,
		);
		report(`read routing: GET /api/users/:id through wrangler dev, ${ROUNDS} requests per scenario`, samples);
		console.log(`served by: ${servedBy.shares()} (the mix: replica 66.7%, primary 33.3%)`);
	} finally {
		await stack.stop();
	}
}

main().catch((err: Error) => {
	console.error(err.message);
	process.exit(1);
});
