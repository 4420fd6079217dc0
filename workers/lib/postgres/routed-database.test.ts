import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { pauseReplica, waitForReplay } from "../../test-support/replica";
import { HttpProblem } from "../problems/http-problem";
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
	const token = db.consistencyToken();
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
		expect(db.consistencyToken()).toBeUndefined();
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

	it("answers 503 database_unavailable when neither server is reachable", async () => {
		const db = database({ ...env, HYPERDRIVE: env.DEAD_PRIMARY, HYPERDRIVE_REPLICA: env.DEAD_REPLICA });
		await expect(db.read((q) => q.select().from(users).limit(1))).rejects.toMatchObject({ status: 503, code: "database_unavailable" });
	});
});
