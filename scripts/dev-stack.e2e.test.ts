// Runs scripts/dev.ts (what `npm run dev` runs) on its own ports and folders,
// then checks what the README promises: every dependency healthy, reads that
// survive the replica being killed, recovery once it is back, and a clean stop.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionUrls, startReplica, status, stopReplica } from "./postgres-cluster.ts";

const root = resolve(import.meta.dirname, "..");
const PORTS = { DEV_PORT: "8797", TRANSCODER_PORT: "8798", PG_PORT: "54350" };
const cluster = { dataDir: resolve(root, ".local/pg-e2e"), primaryPort: 54350, replicaPort: 54351 };
const base = `http://127.0.0.1:${PORTS.DEV_PORT}`;
const STARTUP_DEADLINE_MS = 120_000;

let dev: ChildProcess;
let output = "";

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 30_000): Promise<T> {
	const until = Date.now() + deadlineMs;
	while (Date.now() < until) {
		const value = await probe().catch(() => undefined);
		if (value !== undefined) return value;
		await new Promise((r) => setTimeout(r, 250));
	}
	throw new Error(`timed out waiting for ${what}\n--- dev output ---\n${output.slice(-4000)}`);
}

type Health = { status: string; checks: Record<string, { status: string; lagSeconds?: number }> };
const health = async () => (await fetch(`${base}/health`)).json() as Promise<Health>;

async function insertUser(): Promise<string> {
	const client = new pg.Client({ connectionString: connectionUrls(cluster).primaryUrl });
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
	dev = spawn(process.execPath, [resolve(root, "scripts/dev.ts")], {
		cwd: root,
		env: { ...process.env, ...PORTS, PG_DATA_DIR: ".local/pg-e2e", WRANGLER_STATE_DIR: ".local/wrangler-e2e" },
		stdio: ["ignore", "pipe", "pipe"],
	});
	dev.stdout?.on("data", (d) => {
		output += d;
	});
	dev.stderr?.on("data", (d) => {
		output += d;
	});
	await waitFor("the stack to report healthy", async () => ((await health()).status === "ok" ? true : undefined), STARTUP_DEADLINE_MS);
}, STARTUP_DEADLINE_MS + 10_000);

afterAll(async () => {
	if (dev && dev.exitCode === null) {
		dev.kill("SIGINT");
		await once(dev, "exit");
	}
});

describe("npm run dev", () => {
	it("brings up every dependency, including the replica and its lag", async () => {
		const h = await health();
		expect(h.status).toBe("ok");
		for (const name of ["d1", "r2", "postgresPrimary", "postgresReplica", "transcoder"]) expect(h.checks[name]?.status, name).toBe("ok");
		expect(h.checks.postgresReplica?.lagSeconds).toEqual(expect.any(Number));
	});

	it("keeps reads working when the replica is killed, and recovers when it is back", async () => {
		const id = await insertUser();
		const fromReplica = await waitFor("the replica to serve the new user", async () => {
			const res = await fetch(`${base}/api/users/${id}`);
			return res.status === 200 ? res : undefined;
		});
		expect(fromReplica.headers.get("x-db-read")).toBe("replica");

		stopReplica(cluster);
		try {
			const res = await fetch(`${base}/api/users/${id}`);
			expect(res.status).toBe(200);
			expect(res.headers.get("x-db-read")).toBe("primary; reason=replica_unreachable");
			const h = await health();
			expect(h.status).toBe("degraded");
			expect(h.checks.postgresReplica?.status).toBe("down");
		} finally {
			startReplica(cluster);
		}
		await waitFor("health to recover", async () => ((await health()).status === "ok" ? true : undefined));
		const again = await fetch(`${base}/api/users/${id}`);
		expect(again.headers.get("x-db-read")).toBe("replica");
	}, 60_000);

	it("stops everything it started on Ctrl-C", async () => {
		dev.kill("SIGINT");
		const [code] = await once(dev, "exit");
		expect(code).toBe(0);
		expect(status(cluster)).toEqual({ primary: false, replica: false });
		await expect(fetch(`${base}/health`)).rejects.toThrow();
		await expect(fetch(`http://127.0.0.1:${PORTS.TRANSCODER_PORT}/health`)).rejects.toThrow();
	}, 30_000);
});
