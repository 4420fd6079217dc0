import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../app";
import { registerUser } from "../../test-support/api";
import { setRole } from "../../test-support/roles";
import { type Health, overallStatus } from "./health-route";

async function healthWith(overrides: Partial<Env>, headers: Record<string, string> = {}): Promise<{ status: number; body: Health }> {
	const ctx = createExecutionContext();
	const res = await createApp().fetch(new Request("http://x/health", { headers }), { ...env, ...overrides }, ctx);
	await waitOnExecutionContext(ctx);
	return { status: res.status, body: (await res.json()) as Health };
}

describe("GET /health in production", () => {
	const production = { ENVIRONMENT: "production" };

	it("tells anyone the status, the instance and each dependency's up or down, and nothing more", async () => {
		const { status, body } = await healthWith(production);
		expect(status).toBe(200);
		expect(Object.keys(body).sort()).toEqual(["checkedAt", "checks", "instance", "status"]);
		expect(body.checks.postgresReplica).toEqual({ status: "ok" });
		expect(JSON.stringify(body)).not.toMatch(/ffmpeg|walLsn|lagSeconds|latencyMs|version/i);
	});

	it("answers a loop of polls from one check every few seconds, so polling costs nothing", async () => {
		const first = await healthWith(production);
		const again = await Promise.all(Array.from({ length: 20 }, () => healthWith(production)));
		expect(new Set(again.map((r) => r.body.checkedAt))).toEqual(new Set([first.body.checkedAt]));
	});

	it("hides raw errors from anyone but admins", async () => {
		const { body } = await healthWith({ ...production, HYPERDRIVE_REPLICA: env.DEAD_REPLICA });
		expect(body.checks.postgresReplica).toEqual({ status: "down" });
	});

	it("gives an admin every detail", async () => {
		const admin = await registerUser("Operator");
		const token = await setRole(admin.user.id, "admin");
		const { body } = await healthWith(production, { authorization: `Bearer ${admin.accessToken}`, "x-consistency-token": token });
		expect(body.version).toBe("0.1.0");
		expect(body.checks.postgresReplica).toMatchObject({ status: "ok", lagSeconds: expect.any(Number), state: "fresh" });
	});
});

describe("GET /health", () => {
	it("reports every real dependency ok, with the replica's lag", async () => {
		const res = await exports.default.fetch("http://x/health");
		expect(res.status).toBe(200);
		expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
		const body = (await res.json()) as Health;
		expect(body.status).toBe("ok");
		expect(body.version).toBe("0.1.0");
		expect(body.instance.isolate).toMatch(/^[0-9a-f]{8}$/);
		expect(body.checks.d1).toMatchObject({ status: "ok", migrationsApplied: env.TEST_MIGRATIONS.length });
		expect(body.checks.r2.status).toBe("ok");
		expect(body.checks.postgresPrimary).toMatchObject({ status: "ok", walLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/) });
		expect(body.checks.postgresReplica).toMatchObject({ status: "ok", standby: true, lagSeconds: expect.any(Number) });
		expect(body.checks.transcoder).toMatchObject({ status: "ok", detail: expect.stringContaining("ffmpeg") });
	});

	it("stays 200 but degraded when the replica is down", async () => {
		const { status, body } = await healthWith({ HYPERDRIVE_REPLICA: env.DEAD_REPLICA });
		expect(status).toBe(200);
		expect(body.status).toBe("degraded");
		expect(body.checks.postgresReplica.status).toBe("down");
		expect(body.checks.postgresPrimary.status).toBe("ok");
	});

	it("stays 200 but degraded when the primary is down (reads still work)", async () => {
		const { status, body } = await healthWith({ HYPERDRIVE: env.DEAD_PRIMARY });
		expect(status).toBe(200);
		expect(body.status).toBe("degraded");
		expect(body.checks.postgresPrimary.status).toBe("down");
	});

	it("answers 503 when no Postgres server is reachable", async () => {
		const { status, body } = await healthWith({ HYPERDRIVE: env.DEAD_PRIMARY, HYPERDRIVE_REPLICA: env.DEAD_REPLICA });
		expect(status).toBe(503);
		expect(body.status).toBe("unavailable");
	});

	it("reports a transcoder that does not answer as down, without failing the platform", async () => {
		const { status, body } = await healthWith({ TRANSCODER_URL: "http://127.0.0.1:9" });
		expect(status).toBe(200);
		expect(body.checks.transcoder.status).toBe("down");
	});
});

describe("overallStatus", () => {
	const ok = { status: "ok" as const, latencyMs: 1 };
	const down = { status: "down" as const, latencyMs: 1 };
	const all = { d1: ok, r2: ok, postgresPrimary: ok, postgresReplica: ok, transcoder: ok };

	it("is unavailable without D1 or R2, whatever else is up", () => {
		expect(overallStatus({ ...all, d1: down })).toBe("unavailable");
		expect(overallStatus({ ...all, r2: down })).toBe("unavailable");
	});

	it("treats an on-demand container as healthy", () => {
		expect(overallStatus({ ...all, transcoder: { status: "on_demand", latencyMs: 0 } })).toBe("ok");
	});
});
