// How much does read-your-writes routing cost per read? Runs a real dev stack
// (scripts/dev.ts on its own ports), then times GET /api/users/:id through
// wrangler dev in three interleaved scenarios against the first:
//   replica         no token: freshness check + query on the replica (the common read)
//   replica+token   a token the replica has replayed: same path, token compared
//   primary         a token the replica has not reached: freshness check, then the primary
// For the last one the replica's replay is paused after a final write, with
// REPLICA_MAX_LAG_SECONDS raised so that pause alone does not mark it lagging
// (tokens ahead of the primary are refused, so a real unreplayed one is needed).
// and prints the share of reads the replica served. Run: npm run bench
import pg from "pg";
import { startDevStack } from "../scripts/dev-stack-process.ts";
import { connectionUrls } from "../scripts/postgres-cluster.ts";
import { expectStatus, measure, readSources, report } from "./support/latency.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 400);

async function main() {
	// Quotas lifted so one client address per scenario can make every request (steady state: warm limiter objects).
	const stack = await startDevStack("bench", {
		vars: {
			QUOTA_ANON_PER_HOUR: "1000000",
			QUOTA_USER_PER_HOUR: "1000000",
			QUOTA_AUTH_PER_HOUR: "1000000",
			REPLICA_MAX_LAG_SECONDS: "3600",
		},
	});
	try {
		const client = new pg.Client({ connectionString: connectionUrls(stack.cluster).primaryUrl });
		await client.connect();
		const id = crypto.randomUUID();
		await client.query("INSERT INTO users (id, email, name) VALUES ($1, $2, 'Bench')", [id, `${id}@example.test`]);
		const lsn = async () => (await client.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn")).rows[0]?.lsn ?? "0/0";
		const replayedToken = await lsn();
		const replica = new pg.Client({ connectionString: connectionUrls(stack.cluster).replicaUrl });
		await replica.connect();
		await waitUntilReplayed(replica, replayedToken);
		await replica.query("SELECT pg_wal_replay_pause()");
		await client.query("UPDATE users SET bio = 'unreplayed' WHERE id = $1", [id]);
		const unreplayedToken = await lsn();
		await client.end();

		const servedBy = readSources();
		const read = (name: string, headers: Record<string, string>) => ({
			name,
			run: async (round: number) => {
				// One client address per scenario; the burst limiter counts per address, so spread the load over a few.
				// no-cache: this measures the database's routing, not the isolate's shared anonymous answers.
				const res = await fetch(`${stack.baseUrl}/api/users/${id}`, {
					headers: { ...headers, "cache-control": "no-cache", "cf-connecting-ip": `10.1.${name.length}.${Math.abs(round) % 8}` },
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
				read("primary", { "x-consistency-token": unreplayedToken }),
			],
			ROUNDS,
		);
		report(`read routing: GET /api/users/:id through wrangler dev, ${ROUNDS} requests per scenario`, samples);
		console.log(`served by: ${servedBy.shares()} (the mix: replica 66.7%, primary 33.3%)`);
		await replica.query("SELECT pg_wal_replay_resume()");
		await replica.end();
	} finally {
		await stack.stop();
	}
}

/** Polls (bounded, 10 s) until the standby has replayed `lsn`. */
async function waitUntilReplayed(replica: pg.Client, lsn: string) {
	for (let i = 0; i < 200; i++) {
		const { rows } = await replica.query<{ ok: boolean }>("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok", [lsn]);
		if (rows[0]?.ok) return;
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(`the replica did not replay ${lsn} within 10 s`);
}

main().catch((err: Error) => {
	console.error(err.message);
	process.exit(1);
});
