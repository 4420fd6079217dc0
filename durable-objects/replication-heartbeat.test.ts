import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../workers/lib/postgres/routed-database";
import type { ReplicationHeartbeat } from "./replication-heartbeat";

const beatOnPrimary = () =>
	withDatabase(env, (db) =>
		db.readFromPrimary(async (q) => {
			const { rows } = await q.execute<{ at: string }>(sql`SELECT beat_at::text AS at FROM replication_heartbeat WHERE id = 1`);
			return rows[0]?.at;
		}),
	);

describe("ReplicationHeartbeat", () => {
	it("starts beating on start and rewrites the heartbeat row on the primary at every alarm, re-arming each time", async () => {
		const stub = env.REPLICATION_HEARTBEAT.getByName(`test-${crypto.randomUUID()}`);
		await stub.start();
		await stub.start();
		// The first alarm fires at once, for real.
		for (let i = 0; i < 100 && (await stub.lastBeat()) === null; i++) await new Promise((r) => setTimeout(r, 20));
		expect(await stub.lastBeat()).toEqual(expect.any(Number));

		// lastBeat moves only after the row was written on the primary.
		const before = await stub.lastBeat();
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await stub.lastBeat()).toBeGreaterThan(before ?? 0);
		expect(await beatOnPrimary()).toBeDefined();
		// The next beat is scheduled a second out.
		const next = await runInDurableObject(stub, (_: ReplicationHeartbeat, state) => state.storage.getAlarm());
		expect(next).toBeGreaterThan(Date.now());
	});

	it("keeps its cadence when the primary is down: the beat fails, the alarm stays armed", async () => {
		const stub = env.REPLICATION_HEARTBEAT.getByName(`test-${crypto.randomUUID()}`);
		await runInDurableObject(stub, async (instance: ReplicationHeartbeat) => {
			Object.assign(instance, { env: { ...env, HYPERDRIVE: env.DEAD_PRIMARY } });
			await instance.alarm();
		});
		expect(await stub.lastBeat()).toBeNull();
		expect(await runInDurableObject(stub, (_: ReplicationHeartbeat, state) => state.storage.getAlarm())).not.toBeNull();
	});
});
