import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createApp } from "../../app";
import { CONSISTENCY_COOKIE, CONSISTENCY_HEADER } from "./consistency-token";
import { users } from "./schema";

// The real middleware stack with two routes defined here: one that writes, one that reads.
function appWithUserRoutes() {
	const app = createApp();
	app.post("/api/test-users", async (c) => {
		const id = crypto.randomUUID();
		await c.var.db.write((q) => q.insert(users).values({ id, email: `${id}@example.test`, name: "Mw" }));
		return c.json({ id }, 201);
	});
	app.get("/api/test-users/:id", async (c) => {
		const user = await c.var.db.read((q) => q.query.users.findFirst({ where: eq(users.id, c.req.param("id")) }));
		return user ? c.json(user) : c.json({ missing: true }, 404);
	});
	return app;
}

async function call(req: Request, e: Env = env) {
	const ctx = createExecutionContext();
	const res = await appWithUserRoutes().fetch(req, e, ctx);
	await waitOnExecutionContext(ctx);
	return res;
}

describe("postgres middleware", () => {
	it("returns a consistency token as header and cookie after a write, and reads the write back with it", async () => {
		const created = await call(new Request("http://x/api/test-users", { method: "POST" }));
		expect(created.status).toBe(201);
		const token = created.headers.get(CONSISTENCY_HEADER);
		expect(token).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
		expect(created.headers.get("set-cookie")).toContain(`${CONSISTENCY_COOKIE}=${encodeURIComponent(token ?? "")}`);
		expect(created.headers.get("set-cookie")).toMatch(/HttpOnly/i);
		const { id } = (await created.json()) as { id: string };

		const read = await call(new Request(`http://x/api/test-users/${id}`, { headers: { [CONSISTENCY_HEADER]: token ?? "" } }));
		expect(read.status).toBe(200);
		expect(read.headers.get("x-db-read")).toMatch(/^(replica|primary; reason=replica_behind_token)$/);
		expect(read.headers.get(CONSISTENCY_HEADER)).toBeNull();
	});

	it("answers a malformed consistency header with a 400 problem", async () => {
		const res = await call(new Request("http://x/api/test-users/x", { headers: { [CONSISTENCY_HEADER]: "0/1'; select 1" } }));
		expect(res.status).toBe(400);
		expect(res.headers.get("content-type")).toBe("application/problem+json");
		expect(await res.json()).toMatchObject({ status: 400, code: "invalid_consistency_token" });
	});

	it("refuses a well-formed consistency token that is ahead of every write (a forged ticket to the primary)", async () => {
		const res = await call(
			new Request(`http://x/api/test-users/${crypto.randomUUID()}`, { headers: { [CONSISTENCY_HEADER]: "FFFFFFFF/0" } }),
		);
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ code: "invalid_consistency_token", detail: expect.stringMatching(/ahead/) });
	});

	it("forgets a consistency cookie that is ahead of every write (a database reset) and reads the replica", async () => {
		const res = await call(
			new Request(`http://x/api/test-users/${crypto.randomUUID()}`, { headers: { cookie: `${CONSISTENCY_COOKIE}=FFFFFFFF/0` } }),
		);
		expect(res.status).toBe(404);
		expect(res.headers.get("x-db-read")).toBe("replica");
	});

	it("ignores a malformed consistency cookie instead of locking the browser out", async () => {
		const res = await call(
			new Request(`http://x/api/test-users/${crypto.randomUUID()}`, { headers: { cookie: `${CONSISTENCY_COOKIE}=garbage` } }),
		);
		expect(res.status).toBe(404);
		expect(res.headers.get("x-db-read")).toBe("replica");
	});

	it("turns a write with the primary down into 503 problem+json with Retry-After", async () => {
		const res = await call(new Request("http://x/api/test-users", { method: "POST" }), { ...env, HYPERDRIVE: env.DEAD_PRIMARY });
		expect(res.status).toBe(503);
		expect(res.headers.get("retry-after")).toBe("5");
		expect(res.headers.get("content-type")).toBe("application/problem+json");
		expect(await res.json()).toMatchObject({ code: "primary_unavailable" });
	});

	it("serves reads from the primary when the replica is down", async () => {
		const res = await call(new Request(`http://x/api/test-users/${crypto.randomUUID()}`), { ...env, HYPERDRIVE_REPLICA: env.DEAD_REPLICA });
		expect(res.status).toBe(404);
		expect(res.headers.get("x-db-read")).toBe("primary; reason=replica_unreachable");
	});
});
