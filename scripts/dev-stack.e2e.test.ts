// Runs scripts/dev.ts (what `npm run dev` runs) on its own ports and folders,
// then checks what the README promises: every dependency healthy, reads that
// survive the replica being killed, recovery once it is back, and a clean stop.
import { spawnSync } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { type DevStackProcess, startDevStack } from "./dev-stack-process.ts";
import { poolPortOf } from "./pg-pool.ts";
import { connectionUrls, startReplica, status, stopReplica } from "./postgres-cluster.ts";
import { waitFor as waitForCondition } from "./wait-for.ts";

let stack: DevStackProcess;

/** Until `probe` answers (its errors: not yet), with the stack's output when it never does. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>) =>
	waitForCondition(what, probe, { everyMs: 250, ignoreErrors: true, explain: () => `--- dev output ---\n${stack.output().slice(-4000)}` });

type Health = { status: string; checks: Record<string, { status: string; lagSeconds?: number }> };
const health = async () => (await fetch(`${stack.baseUrl}/health`)).json() as Promise<Health>;

async function insertUser(): Promise<string> {
	const client = new pg.Client({ connectionString: connectionUrls(stack.cluster).primaryUrl });
	await client.connect();
	try {
		const id = crypto.randomUUID();
		await client.query("INSERT INTO users (id, email, name) VALUES ($1, $2, 'E2E')", [id, `${id}@example.test`]);
		return id;
	} finally {
		await client.end();
	}
}

beforeAll(async () => {
	stack = await startDevStack("e2e");
}, 130_000);

afterAll(async () => {
	await stack?.stop();
});

describe("npm run dev", () => {
	it("brings up every dependency, including the replica and its lag", async () => {
		const h = await health();
		expect(h.status).toBe("ok");
		for (const name of ["d1", "r2", "postgresPrimary", "postgresReplica", "transcoder"]) expect(h.checks[name]?.status, name).toBe("ok");
		expect(h.checks.postgresReplica?.lagSeconds).toEqual(expect.any(Number));
	});

	it("serves the API reference at /docs from this origin alone: it renders every operation in Chromium with no console errors", async () => {
		const browser = await launchBrowser();
		try {
			const page = await browser.newPage();
			const problems: string[] = [];
			const origins = new Set<string>();
			page.on("console", (m) => {
				if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
			});
			page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
			page.on("request", (r) => origins.add(new URL(r.url()).origin));
			const res = await page.goto(`${stack.baseUrl}/docs`);
			expect(res?.status()).toBe(200);
			expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");
			await page.waitForSelector(".opblock", { timeout: 20_000 });
			const operations = await page.locator(".opblock").count();
			const documented = Object.values(((await (await fetch(`${stack.baseUrl}/openapi.json`)).json()) as { paths: object }).paths).flatMap(
				(ops) => Object.keys(ops),
			).length;
			expect(operations).toBe(documented);
			expect(problems).toEqual([]);
			expect([...origins]).toEqual([stack.baseUrl]);
		} finally {
			await browser.close();
		}
	}, 60_000);

	it("keeps reads working when the replica is killed, and recovers when it is back", async () => {
		// Past the isolate's shared anonymous answers (workers/lib/http/shared-reads.ts): each read reaches a database.
		const FRESH = { headers: { "cache-control": "no-cache" } };
		const id = await insertUser();
		const fromReplica = await waitFor("the replica to serve the new user", async () => {
			const res = await fetch(`${stack.baseUrl}/api/users/${id}`, FRESH);
			return res.status === 200 ? res : undefined;
		});
		expect(fromReplica.headers.get("x-db-read")).toBe("replica");

		stopReplica(stack.cluster);
		try {
			const res = await fetch(`${stack.baseUrl}/api/users/${id}`, FRESH);
			expect(res.status).toBe(200);
			expect(res.headers.get("x-db-read")).toBe("primary; reason=replica_unreachable");
			// /health answers from a check at most 5 s old (one per isolate, however often it is polled).
			const h = await waitFor("health to see the replica down", async () => {
				const seen = await health();
				return seen.status === "degraded" ? seen : undefined;
			});
			expect(h.checks.postgresReplica?.status).toBe("down");
		} finally {
			startReplica(stack.cluster);
		}
		await waitFor("health to recover", async () => ((await health()).status === "ok" ? true : undefined));
		const again = await fetch(`${stack.baseUrl}/api/users/${id}`, FRESH);
		expect(again.headers.get("x-db-read")).toBe("replica");
	}, 60_000);

	it("lets an operator grant the admin role with npm run role:grant", async () => {
		const email = `Op-${crypto.randomUUID()}@example.test`;
		const reg = await fetch(`${stack.baseUrl}/api/auth/register`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ email, password: "operator pass 1", name: "Operator" }),
		});
		const { refreshToken } = (await reg.json()) as { refreshToken: string };
		const run = spawnSync(process.execPath, ["scripts/grant-role.ts", email.toLowerCase(), "admin"], {
			env: { ...process.env, DATABASE_URL: connectionUrls(stack.cluster).primaryUrl },
			encoding: "utf8",
		});
		expect(run.status, run.stderr).toBe(0);
		expect(run.stdout).toContain("is now admin");
		// The script reaches Postgres only: the role is in the next token, which a refresh (read on the primary) issues.
		const refreshed = await fetch(`${stack.baseUrl}/api/auth/refresh`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ refreshToken }),
		});
		const { accessToken } = (await refreshed.json()) as { accessToken: string };
		const list = await waitFor("the replica to see the new account", async () => {
			const res = await fetch(`${stack.baseUrl}/api/users?limit=1`, { headers: { authorization: `Bearer ${accessToken}` } });
			return res.status === 200 ? res : undefined;
		});
		expect(list.status).toBe(200);
		const missing = spawnSync(process.execPath, ["scripts/grant-role.ts", "nobody@example.test"], {
			env: { ...process.env, DATABASE_URL: connectionUrls(stack.cluster).primaryUrl },
			encoding: "utf8",
		});
		expect(missing.status).toBe(1);
	});

	it("stops everything it started on Ctrl-C", async () => {
		expect(await stack.stop()).toBe(0);
		expect(status(stack.cluster)).toEqual({ primary: false, replica: false });
		expect(poolPortOf(stack.cluster)).toBeUndefined();
		await expect(fetch(`${stack.baseUrl}/health`)).rejects.toThrow();
		await expect(fetch(`${stack.transcoderUrl}/health`)).rejects.toThrow();
	}, 30_000);
});
