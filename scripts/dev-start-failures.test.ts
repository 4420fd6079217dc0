// A start that cannot succeed must say why and leave nothing running: a taken
// port is refused before anything starts, and a Postgres cluster whose replica
// cannot bind stops the primary it had started and shows the server's log.
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePorts, processHoldingPort } from "./free-port.ts";
import { serverDataDir, status, up } from "./postgres-cluster.ts";

const root = resolve(import.meta.dirname, "..");
const held: Server[] = [];

async function holdPort(port: number): Promise<void> {
	const server = createServer();
	server.listen(port, "127.0.0.1");
	await once(server, "listening");
	held.push(server);
}

afterEach(async () => {
	await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe("free ports", () => {
	it("hands out distinct ports below the ephemeral range that nothing holds", async () => {
		const ports = await freePorts(5);
		expect(new Set(ports).size).toBe(5);
		for (const p of ports) expect(p).toBeLessThan(32768);
	});

	it("names the process that holds a port", async () => {
		const [port] = (await freePorts(1)) as [number];
		await holdPort(port);
		expect(processHoldingPort(port)).toMatch(new RegExp(`\\(pid ${process.pid}\\)$`));
	});
});

describe("npm run dev with a port taken", () => {
	it("names the port and its holder, exits 1 and starts nothing", async () => {
		const [worker, transcoder, primary, replica] = (await freePorts(4)) as [number, number, number, number];
		await holdPort(worker);
		const dataDir = ".local/pg-port-taken";
		const run = spawnSync(process.execPath, ["scripts/dev.ts"], {
			cwd: root,
			encoding: "utf8",
			timeout: 30_000,
			env: {
				...process.env,
				DEV_PORT: String(worker),
				TRANSCODER_PORT: String(transcoder),
				PG_PORT: String(primary),
				PG_REPLICA_PORT: String(replica),
				PG_DATA_DIR: dataDir,
			},
		});
		expect(run.status).toBe(1);
		expect(run.stderr).toContain(`port ${worker} for the Worker (DEV_PORT) is taken by`);
		expect(run.stderr).toContain(`(pid ${process.pid})`);
		expect(run.stdout).not.toContain("starting Postgres");
		expect(status({ dataDir: resolve(root, dataDir), primaryPort: primary, replicaPort: replica })).toEqual({
			primary: false,
			replica: false,
		});
	});
});

describe("a Postgres cluster that fails to start", () => {
	const cluster = { dataDir: resolve(root, ".local/pg-start-fails"), primaryPort: 0, replicaPort: 0 };
	afterEach(() => {
		rmSync(serverDataDir(cluster).dataDir, { recursive: true, force: true });
	});

	it("stops the primary it started and reports the failing server's log", async () => {
		const [primaryPort, replicaPort] = (await freePorts(2)) as [number, number];
		Object.assign(cluster, { primaryPort, replicaPort });
		await holdPort(replicaPort);
		let error: Error | undefined;
		try {
			up(cluster);
		} catch (e) {
			error = e as Error;
		}
		expect(error?.message).toMatch(/--- replica\.log \(tail\) ---/);
		expect(error?.message).toMatch(/could not bind|Address already in use/);
		expect(status(cluster)).toEqual({ primary: false, replica: false });
	}, 60_000);
});
