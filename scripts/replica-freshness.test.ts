// The replica lag measure on a real primary + streaming replica (a cluster of
// this test's own): right when the replica is idle, when its replay is paused,
// when its WAL receiver is cut off while the primary keeps writing, and again
// once it reconnects and catches up.
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeHeartbeat } from "../workers/lib/postgres/heartbeat-sql.ts";
import { queryReplicaStatus, type ReplicaStatus } from "../workers/lib/postgres/replica-status.ts";
import { freePorts } from "./free-port.ts";
import { migratePostgres } from "./migrate.ts";
import { type ClusterOptions, connectionUrls, down, serverDataDir, up } from "./postgres-cluster.ts";
import { waitFor } from "./wait-for.ts";

const MAX_LAG_S = 2;
const cluster: ClusterOptions = { dataDir: resolve(import.meta.dirname, "../.local/pg-freshness"), primaryPort: 0, replicaPort: 0 };
let beat: pg.Client;
let beating: NodeJS.Timeout;
let replicaAdmin: pg.Client;
let app: pg.Client;

const status = () => queryReplicaStatus(app, MAX_LAG_S);

/** Until the replica's status satisfies `ok`; returns that status. */
function until(what: string, ok: (s: ReplicaStatus) => boolean, timeoutMs = 20_000): Promise<ReplicaStatus> {
	let last: ReplicaStatus | undefined;
	return waitFor(
		what,
		async () => {
			// Right after the migration the replica may not have replayed the heartbeat table yet.
			last = await status();
			return ok(last) ? last : undefined;
		},
		{ timeoutMs, ignoreErrors: true, explain: () => `last status ${JSON.stringify(last)}` },
	);
}

beforeAll(async () => {
	const [primaryPort, replicaPort] = (await freePorts(2)) as [number, number];
	Object.assign(cluster, { primaryPort, replicaPort });
	const info = up(cluster);
	await migratePostgres(info.primaryUrl);
	beat = new pg.Client({ connectionString: info.primaryUrl });
	await beat.connect();
	// The writer the ReplicationHeartbeat Durable Object runs in production, at a test-friendly pace.
	beating = setInterval(() => void writeHeartbeat(beat).catch(() => undefined), 200);
	app = new pg.Client({ connectionString: info.replicaUrl });
	await app.connect();
	replicaAdmin = new pg.Client({ connectionString: connectionUrls({ ...cluster, primaryPort: replicaPort }).adminUrl });
	await replicaAdmin.connect();
	await until("the first heartbeat to arrive", (s) => s.state === "fresh");
}, 90_000);

afterAll(async () => {
	clearInterval(beating);
	await Promise.all([beat?.end(), app?.end(), replicaAdmin?.end()].map((p) => p?.catch(() => undefined)));
	down(cluster);
	rmSync(serverDataDir(cluster).dataDir, { recursive: true, force: true });
});

describe("replica freshness", () => {
	it("keeps an idle replica fresh: no application writes for longer than the tolerated lag", async () => {
		const started = Date.now();
		const seen: ReplicaStatus[] = [];
		// Observed over 1.5x the tolerated lag, while nothing but the heartbeat is written.
		while (Date.now() - started < MAX_LAG_S * 1500) {
			seen.push(await status());
			await new Promise((r) => setTimeout(r, 250));
		}
		expect(seen.map((s) => s.state)).toEqual(seen.map(() => "fresh"));
		expect(Math.max(...seen.map((s) => s.lagSeconds ?? Number.POSITIVE_INFINITY))).toBeLessThan(MAX_LAG_S);
		expect(seen.every((s) => s.receiver === "streaming")).toBe(true);
	});

	it("reports a replica whose replay is paused as lagging, and fresh again once it replays", async () => {
		await app.query("SELECT pg_wal_replay_pause()");
		try {
			const lagging = await until("the paused replica to look lagging", (s) => s.state === "lagging");
			expect(lagging.lagSeconds).toBeGreaterThan(MAX_LAG_S);
			expect(lagging.receiver).toBe("streaming");
		} finally {
			await app.query("SELECT pg_wal_replay_resume()");
		}
		await until("the replica to be fresh after replaying", (s) => s.state === "fresh");
	});

	it("reports a replica cut off from its primary as not fresh while the primary keeps writing, and fresh once it is back and caught up", async () => {
		const original = (await replicaAdmin.query<{ primary_conninfo: string }>("SHOW primary_conninfo")).rows[0]?.primary_conninfo;
		expect(original).toContain("port=");
		// A broken primary_conninfo: the WAL receiver restarts and cannot reach anything.
		await replicaAdmin.query("ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=1 user=postgres connect_timeout=1'");
		await replicaAdmin.query("SELECT pg_reload_conf()");
		try {
			const cut = await until("the replica to see it is disconnected", (s) => s.state === "disconnected");
			expect(cut.receiver === null || cut.receiver !== "streaming").toBe(true);
			// Writes go on on the primary meanwhile; the replica's last contact keeps ageing.
			const older = await until("the cut-off replica's heartbeat to age past the tolerated lag", (s) => (s.lagSeconds ?? 0) > MAX_LAG_S);
			expect(older.state).toBe("disconnected");
		} finally {
			await replicaAdmin.query(`ALTER SYSTEM SET primary_conninfo = '${(original ?? "").replaceAll("'", "''")}'`);
			await replicaAdmin.query("SELECT pg_reload_conf()");
		}
		const back = await until("the replica to reconnect and catch up", (s) => s.state === "fresh", 30_000);
		expect(back.receiver).toBe("streaming");
		expect(back.lagSeconds).toBeLessThan(MAX_LAG_S);
	}, 60_000);
});
