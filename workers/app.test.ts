import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createApp } from "./app";
import { ownAddress } from "./test-support/api";

async function call(app: ReturnType<typeof createApp>, req: Request) {
	const ctx = createExecutionContext();
	const res = await app.fetch(req, env, ctx);
	await waitOnExecutionContext(ctx);
	return res;
}

describe("the app's error shape", () => {
	it("answers an unknown route with a 404 problem carrying the request id", async () => {
		const res = await exports.default.fetch("http://x/nope", { headers: { "x-request-id": "client-chosen-id" } });
		expect(res.status).toBe(404);
		expect(res.headers.get("content-type")).toBe("application/problem+json");
		expect(res.headers.get("x-request-id")).toBe("client-chosen-id");
		expect(await res.json()).toMatchObject({ status: 404, code: "route_not_found", instance: "/nope", requestId: "client-chosen-id" });
	});

	it("replaces an unusable client request id with its own", async () => {
		const res = await exports.default.fetch("http://x/health", { headers: { "x-request-id": "bad id with spaces\u0001" } });
		expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
	});

	it("lists every validation issue in one 400 problem", async () => {
		const app = createApp();
		app.openapi(
			createRoute({
				method: "post",
				path: "/api/echo",
				request: { body: { content: { "application/json": { schema: z.object({ name: z.string().min(1), age: z.number().int() }) } } } },
				responses: { 200: { description: "echo" } },
			}),
			(c) => c.json(c.req.valid("json")),
		);
		const res = await call(
			app,
			new Request("http://x/api/echo", {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ name: "", age: 1.5 }),
			}),
		);
		expect(res.status).toBe(400);
		const body = (await res.json()) as { code: string; errors: { path: string }[] };
		expect(body.code).toBe("validation_failed");
		expect(body.errors.map((e) => e.path).sort()).toEqual(["age", "name"]);
	});

	it("hides the details of an unexpected error behind a generic 500", async () => {
		const app = createApp();
		app.get("/api/boom", () => {
			throw new Error("secret connection string postgres://u:p@h/db");
		});
		const res = await call(app, new Request("http://x/api/boom"));
		expect(res.status).toBe(500);
		const text = await res.text();
		expect(text).not.toContain("secret");
		expect(JSON.parse(text)).toMatchObject({ code: "internal_error" });
	});

	it("answers a query whose database connection died under it with 503 and Retry-After, not a 500", async () => {
		const app = createApp();
		// The server ends this very session mid-request, as a primary shutting down does (SQLSTATE 57P01).
		app.get("/api/lost", async (c) => {
			await c.var.db.write((q) => q.execute(sql`SELECT pg_terminate_backend(pg_backend_pid())`));
			return c.json({});
		});
		const res = await call(app, new Request("http://x/api/lost"));
		expect(res.status).toBe(503);
		expect(res.headers.get("retry-after")).toBe("5");
		expect(await res.json()).toMatchObject({ code: "database_unavailable" });
	});

	it("sets security headers on every response", async () => {
		const res = await exports.default.fetch("http://x/health");
		expect(res.headers.get("strict-transport-security")).toContain("max-age=");
		expect(res.headers.get("x-content-type-options")).toBe("nosniff");
		expect(res.headers.get("referrer-policy")).toBe("no-referrer");
		expect(res.headers.get("x-frame-options")).toBe("DENY");
		expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
		const problem = await exports.default.fetch("http://x/nope");
		expect(problem.headers.get("strict-transport-security")).toContain("max-age=");
	});

	it("publishes an OpenAPI 3.1 document that includes /health", async () => {
		const res = await exports.default.fetch("http://x/openapi.json");
		const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
		expect(doc.openapi).toBe("3.1.0");
		expect(doc.paths).toHaveProperty("/health");
	});
});

describe("burst rate limit (BURST_LIMITER binding)", () => {
	it("answers 429 problem+json with Retry-After once a client exceeds the burst", async () => {
		const ip = ownAddress();
		// The limiter counts in fixed 10 s windows: a run may straddle one boundary, so
		// 201 requests always see a refusal, and never before the 100 allowed ones.
		const statuses: number[] = [];
		let refused: Response | undefined;
		for (let i = 0; i < 201 && !refused; i++) {
			const res = await exports.default.fetch("http://x/api/nothing-here", { headers: { "cf-connecting-ip": ip } });
			statuses.push(res.status);
			if (res.status === 429) refused = res;
		}
		expect(statuses.indexOf(429)).toBeGreaterThanOrEqual(100);
		expect(statuses.filter((s) => s !== 429).every((s) => s === 404)).toBe(true);
		expect(refused?.headers.get("retry-after")).toBe("10");
		expect(await refused?.json()).toMatchObject({ code: "rate_limited" });
		// Another client is not affected.
		const other = await exports.default.fetch("http://x/api/nothing-here", { headers: { "cf-connecting-ip": "203.0.113.9" } });
		expect(other.status).toBe(404);
	});
});
