// A transaction-mode PgBouncer in front of the local primary and replica:
// what Hyperdrive is in production (a pool that lends a server connection for
// one transaction at a time), so local figures are not bounded by connection
// set-up and every query path runs under transaction pooling as it will there.
// The Worker's two Hyperdrive bindings point at it (databases `reels` and
// `reels_replica`); migrations, tests' set-up and benchmarks' loads connect to
// the servers directly. Where it differs from Hyperdrive: docs/architecture.md.
//   node scripts/pg-pool.ts up|down   (with PG_DATA_DIR, PG_POOL_PORT, PG_PORT, PG_REPLICA_PORT)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
	APP_DATABASE,
	APP_PASSWORD,
	APP_USER,
	type ClusterOptions,
	logTail,
	ownForServer,
	run,
	serverDataDir,
} from "./postgres-cluster.ts";

/** The replica's database name on the pool (the same `reels` database on the replica server). */
export const REPLICA_POOL_DATABASE = `${APP_DATABASE}_replica`;
/** Server connections per server: what a small Hyperdrive configuration holds (its minimum is 5). */
export const POOL_SIZE = 40;
const START_TIMEOUT_MS = 10_000;

export interface PoolInfo {
	port: number;
	primaryUrl: string;
	replicaUrl: string;
	/** True when this call started the pool (so the caller may stop it). */
	started: boolean;
}

const poolUrl = (port: number, database: string) => `postgresql://${APP_USER}:${APP_PASSWORD}@127.0.0.1:${port}/${database}`;
export const poolUrls = (port: number) => ({
	primaryUrl: poolUrl(port, APP_DATABASE),
	replicaUrl: poolUrl(port, REPLICA_POOL_DATABASE),
});

function files(cluster: ClusterOptions) {
	const dir = join(serverDataDir(cluster).dataDir, "pgbouncer");
	return {
		dir,
		ini: join(dir, "pgbouncer.ini"),
		users: join(dir, "userlist.txt"),
		pid: join(dir, "pgbouncer.pid"),
		log: join(dir, "pgbouncer.log"),
	};
}

function findPgbouncer(): string {
	for (const candidate of [process.env.PGBOUNCER_BIN, "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"]) {
		if (candidate && existsSync(candidate)) return candidate;
	}
	throw new Error("PgBouncer not found: run `apt-get install -y pgbouncer` (Debian) or set PGBOUNCER_BIN.");
}

function config(cluster: ClusterOptions, port: number, f: ReturnType<typeof files>): string {
	return [
		"[databases]",
		`${APP_DATABASE} = host=127.0.0.1 port=${cluster.primaryPort} dbname=${APP_DATABASE}`,
		`${REPLICA_POOL_DATABASE} = host=127.0.0.1 port=${cluster.replicaPort} dbname=${APP_DATABASE}`,
		"",
		"[pgbouncer]",
		"listen_addr = 127.0.0.1",
		`listen_port = ${port}`,
		"unix_socket_dir =",
		// The password is checked with one MD5 round, not SCRAM's 4,096 PBKDF2 rounds per connection: a Worker's
		// connection to Hyperdrive is cheap to open, and this keeps the isolate's CPU comparable.
		"auth_type = md5",
		`auth_file = ${f.users}`,
		"pool_mode = transaction",
		`default_pool_size = ${POOL_SIZE}`,
		"max_client_conn = 10000",
		// A server that is down fails waiting clients at once (and is retried a second later), as Hyperdrive does.
		"server_login_retry = 1",
		"server_connect_timeout = 3",
		// A client queued for a server connection longer than this gets an error (SQLSTATE 08P01: a 503 here).
		"query_wait_timeout = 5",
		"ignore_startup_parameters = extra_float_digits,options",
		`pidfile = ${f.pid}`,
		`logfile = ${f.log}`,
		"log_connections = 0",
		"log_disconnections = 0",
		"",
	].join("\n");
}

function runningPid(pidFile: string): number | undefined {
	try {
		const pid = Number(readFileSync(pidFile, "utf8").trim());
		if (!Number.isInteger(pid) || pid <= 0) return undefined;
		process.kill(pid, 0);
		return pid;
	} catch {
		return undefined;
	}
}

const listenPortOf = (ini: string) => Number(/^listen_port = (\d+)$/m.exec(readFileSync(ini, "utf8"))?.[1]);

/** The port the cluster's pool listens on now, if it runs (a pool left up by an earlier run is reused). */
export function poolPortOf(cluster: ClusterOptions): number | undefined {
	const f = files(cluster);
	return runningPid(f.pid) && existsSync(f.ini) ? listenPortOf(f.ini) : undefined;
}

/**
 * Starts the pool for `cluster` on `port`, or reuses one already running with the same settings
 * (one left up with other ports is restarted); idempotent, and never hangs.
 */
export function poolUp(cluster: ClusterOptions, port: number): PoolInfo {
	const bin = findPgbouncer();
	const f = files(cluster);
	const wanted = config(cluster, port, f);
	const pid = runningPid(f.pid);
	if (pid && existsSync(f.ini) && readFileSync(f.ini, "utf8") === wanted) return { port, ...poolUrls(port), started: false };
	if (pid) poolDown(cluster);
	mkdirSync(f.dir, { recursive: true });
	writeFileSync(f.ini, wanted);
	writeFileSync(f.users, `"${APP_USER}" "${APP_PASSWORD}"\n`, { mode: 0o600 });
	rmSync(f.log, { force: true });
	// The server user's (PgBouncer, like Postgres, refuses to run as root), files included.
	ownForServer(f.dir);
	// It needs a descriptor per client, so the soft limit goes to the hard one.
	try {
		run("sh", ["-c", `ulimit -n "$(ulimit -Hn)"; exec ${bin} -d -q ${f.ini}`]);
	} catch (err) {
		throw new Error(`pgbouncer did not start: ${(err as Error).message}\n${tail(f.log)}`);
	}
	const deadline = Date.now() + START_TIMEOUT_MS;
	while (!runningPid(f.pid) || listenPortOf(f.ini) !== port || !listening(port)) {
		if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on ${port} within ${START_TIMEOUT_MS / 1000} s\n${tail(f.log)}`);
		spawnSync("sleep", ["0.05"]);
	}
	return { port, ...poolUrls(port), started: true };
}

/** Whether something accepts TCP connections on the loopback port (a synchronous probe: this module is synchronous). */
function listening(port: number): boolean {
	return spawnSync("bash", ["-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`], { stdio: "ignore" }).status === 0;
}

const tail = (file: string) => `--- pgbouncer.log (tail) ---\n${logTail(file, 10)}`;

/** Stops the pool, if it runs; waits until it has gone. */
export function poolDown(cluster: ClusterOptions): void {
	const f = files(cluster);
	const pid = runningPid(f.pid);
	if (!pid) return;
	process.kill(pid, "SIGINT");
	const deadline = Date.now() + START_TIMEOUT_MS;
	while (runningPid(f.pid) === pid && Date.now() < deadline) spawnSync("sleep", ["0.05"]);
	if (runningPid(f.pid) === pid) process.kill(pid, "SIGKILL");
	rmSync(f.pid, { force: true });
}

if (import.meta.main) {
	const { resolve } = await import("node:path");
	const cluster: ClusterOptions = {
		dataDir: resolve(process.env.PG_DATA_DIR ?? ".local/pg"),
		primaryPort: Number(process.env.PG_PORT ?? 54330),
		replicaPort: Number(process.env.PG_REPLICA_PORT ?? 54331),
	};
	const command = process.argv[2];
	if (command === "up") console.log(poolUp(cluster, Number(process.env.PG_POOL_PORT ?? 54332)));
	else if (command === "down") poolDown(cluster);
	else {
		console.error("usage: node scripts/pg-pool.ts up|down");
		process.exit(2);
	}
}
