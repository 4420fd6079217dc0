import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { pauseReplica, waitForReplay } from "../../test-support/replica";
import { HttpProblem } from "../problems/http-problem";
import { compareLsn } from "./consistency-token";
import { RoutedDatabase } from "./routed-database";
import { users } from "./schema";

const newUser = () => {
	const id = crypto.randomUUID();
	return { id, email: `${id}@example.test`, name: "Routing Test" };
};

const open: RoutedDatabase[] = [];
function database(e: Env = env, token?: string) {
	const db = new RoutedDatabase(e, token);
	open.push(db);
	return db;
}
afterEach(async () => {
	await Promise.all(open.splice(0).map((db) => db.close()));
});

async function insertUser(row = newUser()) {
	const db = database();
	await db.write((q) => q.insert(users).values(row));
	const token = await db.consistencyToken();
	if (!token) throw new Error("a write must yield a consistency token");
	return { row, token };
}

const findUser = (id: string) => (q: Parameters<Parameters<RoutedDatabase["read"]>[0]>[0]) =>
	q.query.users.findFirst({ where: eq(users.id, id) });

describe("RoutedDatabase", () => {
	it("hands back the primary's WAL position after a write", async () => {
		const { token } = await insertUser();
		expect(token).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
	});

	it("reads the WAL position once, when the token is asked for, and again only after another write", async () => {
		const db = database();
		for (let i = 0; i < 3; i++) await db.write((q) => q.insert(users).values(newUser()));
		// Three writes, three statements: no position is read until someone needs it.
		expect(db.roundTrips.primary).toBe(3);
		const first = await db.consistencyToken();
		expect(db.roundTrips.primary).toBe(4);
		expect(await db.consistencyToken()).toBe(first);
		expect(db.roundTrips.primary).toBe(4);
		await db.write((q) => q.insert(users).values(newUser()));
		const second = await db.consistencyToken();
		expect(compareLsn(second ?? "", first ?? "")).toBeGreaterThan(0);
	});

	it("answers no token, rather than an error, when the position cannot be read after a committed write", async () => {
		const db = database();
		const row = newUser();
		await db.write((q) => q.insert(users).values(row));
		await db.close(); // the connection gone after the commit
		expect(await db.consistencyToken()).toBeUndefined();
		// The write stands.
		const check = database();
		expect(await check.readFromPrimary(findUser(row.id))).toMatchObject({ id: row.id });
	});

	it("counts a write that failed part-way as a write: later reads in the request go to the primary", async () => {
		const db = database();
		const row = newUser();
		await expect(
			db.write(async (q) => {
				await q.insert(users).values(row);
				throw new Error("after the insert");
			}),
		).rejects.toThrow("after the insert");
		expect(await db.read(findUser(row.id))).toMatchObject({ id: row.id });
		expect(await db.readDecision()).toEqual({ source: "primary", reason: "wrote_in_request" });
	});

	it("reads no WAL position for work nobody hands a token to", async () => {
		const db = database();
		await db.write((q) => q.insert(users).values(newUser()));
		expect(db.roundTrips.primary).toBe(1);
		expect(await db.readDecision()).toEqual({ source: "primary", reason: "wrote_in_request" });
	});

	it("reads from the replica once it has replayed the caller's token", async () => {
		const { row, token } = await insertUser();
		await waitForReplay(token);
		const db = database(env, token);
		expect(await db.read(findUser(row.id))).toMatchObject({ id: row.id });
		expect(await db.readDecision()).toEqual({ source: "replica" });
	});

	it("sends a read to the primary while the replica has not replayed the caller's write", async () => {
		const resume = await pauseReplica();
		try {
			const { row, token } = await insertUser();
			// Without the token the (paused) replica answers, and it really is stale: the row is missing.
			const anonymous = database();
			expect(await anonymous.read(findUser(row.id))).toBeUndefined();
			expect(await anonymous.readDecision()).toEqual({ source: "replica" });
			// With it, the read goes to the primary and sees the write.
			const caller = database(env, token);
			expect(await caller.read(findUser(row.id))).toMatchObject({ id: row.id });
			expect(await caller.readDecision()).toEqual({ source: "primary", reason: "replica_behind_token" });
		} finally {
			await resume();
		}
	});

	it("reads its own writes within one request from the primary", async () => {
		const db = database();
		const row = newUser();
		await db.write((q) => q.insert(users).values(row));
		expect(await db.read(findUser(row.id))).toMatchObject({ id: row.id });
		expect(await db.readDecision()).toEqual({ source: "primary", reason: "wrote_in_request" });
	});

	it("falls back to the primary when the replica is unreachable", async () => {
		const { row } = await insertUser();
		const db = database({ ...env, HYPERDRIVE_REPLICA: env.DEAD_REPLICA });
		expect(await db.read(findUser(row.id))).toMatchObject({ id: row.id });
		expect(await db.readDecision()).toEqual({ source: "primary", reason: "replica_unreachable" });
	});

	it("refuses writes with 503 and Retry-After when the primary is down", async () => {
		const db = database({ ...env, HYPERDRIVE: env.DEAD_PRIMARY });
		const attempt = db.write((q) => q.insert(users).values(newUser()));
		await expect(attempt).rejects.toBeInstanceOf(HttpProblem);
		await expect(attempt).rejects.toMatchObject({ status: 503, code: "primary_unavailable", headers: { "Retry-After": "5" } });
		expect(await db.consistencyToken()).toBeUndefined();
	});

	it("keeps serving reads from the replica when the primary is down", async () => {
		const { row, token } = await insertUser();
		await waitForReplay(token);
		const db = database({ ...env, HYPERDRIVE: env.DEAD_PRIMARY }, token);
		expect(await db.read(findUser(row.id))).toMatchObject({ id: row.id });
		expect(await db.readDecision()).toEqual({ source: "replica" });
	});

	it("serves a stale replica read rather than none when the primary is down too", async () => {
		const resume = await pauseReplica();
		try {
			const { token } = await insertUser();
			const db = database({ ...env, HYPERDRIVE: env.DEAD_PRIMARY }, token);
			await db.read((q) => q.select().from(users).limit(1));
			expect(await db.readDecision()).toEqual({ source: "replica", reason: "primary_unreachable_stale_read" });
		} finally {
			await resume();
		}
	});

	// Behind a pool (Hyperdrive; PgBouncer here) a connection opens whatever the server is doing, and a server
	// that went away fails the query instead: the driver's error, thrown once by the read, stands for it.
	const lostOnce = <T>(read: (q: Parameters<Parameters<RoutedDatabase["read"]>[0]>[0]) => Promise<T>) => {
		let lost = false;
		return (q: Parameters<Parameters<RoutedDatabase["read"]>[0]>[0]) => {
			if (lost) return read(q);
			lost = true;
			return Promise.reject(new Error("Connection terminated unexpectedly"));
		};
	};

	it("repeats a read on the primary when the replica is lost mid-read, and stops trusting its cached status", async () => {
		const { row, token } = await insertUser();
		await waitForReplay(token);
		await database().read(findUser(row.id)); // the isolate now holds a fresh status of the replica
		const db = database();
		expect(await db.read(lostOnce(findUser(row.id)))).toMatchObject({ id: row.id });
		expect(db.lastReadDecision()).toEqual({ source: "primary", reason: "replica_unreachable" });
		// The rest of the request reads on the primary.
		const replicaTrips = db.roundTrips.replica;
		await db.read(findUser(row.id));
		expect(db.roundTrips.replica).toBe(replicaTrips);
		expect(db.lastReadDecision()).toEqual({ source: "primary", reason: "replica_unreachable" });
		// The next request asks the replica for its status again before reading there.
		const next = database();
		await next.read(findUser(row.id));
		expect(next.roundTrips.replica).toBe(2);
	});

	it("serves a stale replica read when the primary is lost mid-read of a read that only preferred it", async () => {
		const resume = await pauseReplica();
		try {
			const { token } = await insertUser();
			const db = database(env, token);
			expect(await db.readDecision()).toEqual({ source: "primary", reason: "replica_behind_token" });
			await db.read(lostOnce((q) => q.select().from(users).limit(1)));
			expect(db.lastReadDecision()).toEqual({ source: "replica", reason: "primary_unreachable_stale_read" });
		} finally {
			await resume();
		}
	});

	it("does not repeat a read that failed for any other reason", async () => {
		const db = database();
		const broken = () => Promise.reject(new Error("column does not exist"));
		await expect(db.read(broken)).rejects.toThrow("column does not exist");
	});

	it("answers 503 database_unavailable when neither server is reachable", async () => {
		const db = database({ ...env, HYPERDRIVE: env.DEAD_PRIMARY, HYPERDRIVE_REPLICA: env.DEAD_REPLICA });
		await expect(db.read((q) => q.select().from(users).limit(1))).rejects.toMatchObject({ status: 503, code: "database_unavailable" });
	});
});
