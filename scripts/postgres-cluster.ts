// A real PostgreSQL primary and a streaming-replication hot standby on
// loopback, kept in a project-local data folder. Used by `npm run dev`
// (scripts/dev.ts), by the Vitest global setup and by hand:
//   node scripts/postgres-cluster.ts up|down|status|stop-replica|start-replica
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export interface ClusterOptions {
	/** Folder holding `primary/`, `replica/` and their logs. */
	dataDir: string;
	primaryPort: number;
	replicaPort: number;
}

export interface ClusterInfo extends ClusterOptions {
	primaryUrl: string;
	replicaUrl: string;
	/** Superuser URL of the primary, for migrations and test set-up only. */
	adminUrl: string;
	/** True when this call started a server (so the caller may stop it). */
	started: boolean;
}

/** The application role; the same in wrangler.toml's localConnectionString. */
export const APP_USER = "reels";
export const APP_PASSWORD = "reels-local";
export const APP_DATABASE = "reels";
// Local-only credentials: these servers listen on 127.0.0.1 and hold dev data.
const ADMIN_USER = "postgres";
const ADMIN_PASSWORD = "postgres-local";
const REPLICATION_SLOT = "reels_replica";
const START_TIMEOUT_S = 30;

export const devCluster = (root = process.cwd()): ClusterOptions => ({
	dataDir: resolve(root, ".local/pg"),
	primaryPort: 54330,
	replicaPort: 54331,
});

/** The Workers tests' cluster: its own folder; ports are chosen at run time (scripts/free-port.ts). */
export const testCluster = (root: string, ports: { primaryPort: number; replicaPort: number }): ClusterOptions => ({
	dataDir: resolve(root, ".local/pg-test"),
	...ports,
});

export function connectionUrls(o: ClusterOptions) {
	const app = (port: number) => `postgresql://${APP_USER}:${APP_PASSWORD}@127.0.0.1:${port}/${APP_DATABASE}`;
	return {
		primaryUrl: app(o.primaryPort),
		replicaUrl: app(o.replicaPort),
		adminUrl: `postgresql://${ADMIN_USER}:${ADMIN_PASSWORD}@127.0.0.1:${o.primaryPort}/postgres`,
	};
}

/** Finds the server binaries: $PG_BIN, else the newest /usr/lib/postgresql/<v>/bin. */
export function findPgBin(env: NodeJS.ProcessEnv = process.env, base = "/usr/lib/postgresql"): string {
	const candidates: string[] = [];
	if (env.PG_BIN) candidates.push(env.PG_BIN);
	if (existsSync(base)) {
		const versions = readdirSync(base)
			.filter((v) => /^\d+$/.test(v))
			.sort((a, b) => Number(b) - Number(a));
		for (const v of versions) candidates.push(join(base, v, "bin"));
	}
	const found = candidates.find((dir) => existsSync(join(dir, "postgres")) && existsSync(join(dir, "initdb")));
	if (!found) {
		throw new Error(
			"PostgreSQL server binaries not found: run `apt-get install -y postgresql` (Debian) or set PG_BIN to a folder holding initdb and postgres.",
		);
	}
	return found;
}

// Postgres refuses to run as root, so as root every server command runs as
// the `postgres` system user, which then must own the data folders.
const asRoot = process.getuid?.() === 0;

/** Runs a server command, as the `postgres` user when we are root (scripts/pg-pool.ts starts PgBouncer with it too). */
export function run(bin: string, args: string[], opts: { env?: NodeJS.ProcessEnv; allowFail?: boolean } = {}) {
	const cmd = asRoot ? "runuser" : bin;
	const argv = asRoot ? ["-u", ADMIN_USER, "--", bin, ...args] : args;
	const r = spawnSync(cmd, argv, {
		// The server user may not be allowed into the caller's working directory.
		cwd: "/",
		encoding: "utf8",
		env: { ...process.env, ...opts.env },
		timeout: (START_TIMEOUT_S + 10) * 1000,
	});
	if (r.status !== 0 && !opts.allowFail) {
		throw new Error(`${bin} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
	}
	return r;
}

/** Makes `dir` the server user's (when we are root), 0700, and checks that user can reach it. */
export function ownForServer(dir: string) {
	mkdirSync(dir, { recursive: true });
	if (asRoot) {
		spawnSync("chown", ["-R", `${ADMIN_USER}:`, dir]);
		// The server user must be able to reach the folder through every parent.
		try {
			run("test", ["-x", dir]);
		} catch {
			throw new Error(`The postgres user cannot reach ${dir}; make its parent folders traversable (chmod o+x).`);
		}
	}
	chmodSync(dir, 0o700);
}

const isInitialized = (dir: string) => existsSync(join(dir, "PG_VERSION"));

function isRunning(bin: string, dir: string): boolean {
	if (!isInitialized(dir)) return false;
	return run(join(bin, "pg_ctl"), ["-D", dir, "status"], { allowFail: true }).status === 0;
}

/**
 * Rewrites the ports in an existing cluster's settings, so a folder made with
 * other ports (PG_PORT changed) starts where the caller will look for it.
 */
function syncPorts(dir: string, port: number, primaryPort?: number) {
	const file = join(dir, "postgresql.auto.conf");
	if (!existsSync(file)) return;
	let conf = readFileSync(file, "utf8").replace(/^port = \d+$/m, `port = ${port}`);
	if (primaryPort !== undefined) conf = conf.replace(/port=\d+ user=/, `port=${primaryPort} user=`);
	writeFileSync(file, conf);
}

/** The port a running server listens on (4th line of postmaster.pid). */
function runningPort(dir: string): number | undefined {
	const pidFile = join(dir, "postmaster.pid");
	return existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[3]) : undefined;
}

/** Starts the server unless it already runs on `port`; one running on another port is restarted. */
function ensureRunning(bin: string, dir: string, port: number, logFile: string, primaryPort?: number): boolean {
	if (isRunning(bin, dir)) {
		if (runningPort(dir) === port) return false;
		stopServer(bin, dir);
	}
	syncPorts(dir, port, primaryPort);
	startServer(bin, dir, logFile);
	return true;
}

function startServer(bin: string, dir: string, logFile: string) {
	run(join(bin, "pg_ctl"), ["-D", dir, "-l", logFile, "-w", "-t", String(START_TIMEOUT_S), "start"]);
}

function stopServer(bin: string, dir: string) {
	if (isRunning(bin, dir)) run(join(bin, "pg_ctl"), ["-D", dir, "-m", "fast", "-w", "stop"]);
}

function psql(bin: string, port: number, sql: string, db = "postgres") {
	return run(join(bin, "psql"), ["-h", "127.0.0.1", "-p", String(port), "-U", ADMIN_USER, "-d", db, "-v", "ON_ERROR_STOP=1", "-tAc", sql], {
		env: { PGPASSWORD: ADMIN_PASSWORD },
	}).stdout.trim();
}

function initPrimary(bin: string, o: ClusterOptions, dir: string) {
	ownForServer(dir);
	const pwFile = join(o.dataDir, ".pwfile");
	writeFileSync(pwFile, `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
	if (asRoot) spawnSync("chown", [`${ADMIN_USER}:`, pwFile]);
	run(join(bin, "initdb"), [
		"-D",
		dir,
		"-U",
		ADMIN_USER,
		`--pwfile=${pwFile}`,
		"--auth-local=scram-sha-256",
		"--auth-host=scram-sha-256",
		"--encoding=UTF8",
		"--locale=C.UTF-8",
	]);
	writeFileSync(
		join(dir, "postgresql.auto.conf"),
		[
			"listen_addresses = '127.0.0.1'",
			`port = ${o.primaryPort}`,
			// TCP only: socket paths inside deep clones exceed the 107-byte limit.
			"unix_socket_directories = ''",
			"wal_level = replica",
			"max_wal_senders = 5",
			"max_replication_slots = 5",
			"hot_standby = on",
			"max_connections = 200",
			"fsync = off",
			"synchronous_commit = off",
			"",
		].join("\n"),
	);
	if (asRoot) spawnSync("chown", [`${ADMIN_USER}:`, join(dir, "postgresql.auto.conf")]);
}

function ensureAppDatabase(bin: string, port: number) {
	const hasRole = psql(bin, port, `SELECT 1 FROM pg_roles WHERE rolname = '${APP_USER}'`);
	if (!hasRole) psql(bin, port, `CREATE ROLE ${APP_USER} LOGIN PASSWORD '${APP_PASSWORD}'`);
	psql(bin, port, `GRANT pg_monitor TO ${APP_USER}`);
	const hasDb = psql(bin, port, `SELECT 1 FROM pg_database WHERE datname = '${APP_DATABASE}'`);
	if (!hasDb) psql(bin, port, `CREATE DATABASE ${APP_DATABASE} OWNER ${APP_USER}`);
	// Function privileges are per database. Lets the routing tests pause replay on the
	// standby to make it stale on purpose; local clusters only.
	psql(bin, port, `GRANT EXECUTE ON FUNCTION pg_wal_replay_pause(), pg_wal_replay_resume() TO ${APP_USER}`, APP_DATABASE);
	const hasSlot = psql(bin, port, `SELECT 1 FROM pg_replication_slots WHERE slot_name = '${REPLICATION_SLOT}'`);
	if (!hasSlot) psql(bin, port, `SELECT pg_create_physical_replication_slot('${REPLICATION_SLOT}')`);
}

function initReplica(bin: string, o: ClusterOptions, dir: string) {
	ownForServer(dir);
	try {
		// `-c fast` asks for an immediate checkpoint; the default waits for the next timed one (minutes).
		run(
			join(bin, "pg_basebackup"),
			["-h", "127.0.0.1", "-p", String(o.primaryPort), "-U", ADMIN_USER, "-D", dir, "-c", "fast", "-X", "stream", "-S", REPLICATION_SLOT],
			{ env: { PGPASSWORD: ADMIN_PASSWORD } },
		);
	} catch (e) {
		// A half-copied standby would be taken for a real one on the next run.
		rmSync(dir, { recursive: true, force: true });
		throw e;
	}
	const conninfo = `host=127.0.0.1 port=${o.primaryPort} user=${ADMIN_USER} password=${ADMIN_PASSWORD} application_name=reels_replica`;
	const auto = join(dir, "postgresql.auto.conf");
	writeFileSync(
		auto,
		[
			"listen_addresses = '127.0.0.1'",
			`port = ${o.replicaPort}`,
			"unix_socket_directories = ''",
			"hot_standby = on",
			"fsync = off",
			"max_connections = 200",
			`primary_conninfo = '${conninfo}'`,
			`primary_slot_name = '${REPLICATION_SLOT}'`,
			"",
		].join("\n"),
		{ mode: 0o600 },
	);
	writeFileSync(join(dir, "standby.signal"), "");
	if (asRoot) spawnSync("chown", ["-R", `${ADMIN_USER}:`, dir]);
}

function waitForStreaming(bin: string, o: ClusterOptions) {
	const deadline = Date.now() + START_TIMEOUT_S * 1000;
	while (Date.now() < deadline) {
		const state = psql(bin, o.primaryPort, "SELECT state FROM pg_stat_replication WHERE application_name = 'reels_replica'");
		if (state === "streaming") return;
		spawnSync("sleep", ["0.2"]);
	}
	throw new Error(`The replica on port ${o.replicaPort} did not start streaming within ${START_TIMEOUT_S}s`);
}

const FALLBACK_ROOT = "/var/tmp/reels-edge-pg";
/** A file in each fallback folder naming the checkout's folder it stands in for. */
export const SERVES_FILE = "serves";

/**
 * The folder the servers really use: the project-local one, unless we run as
 * root and the `postgres` user cannot reach it (a checkout under a private
 * 0700 folder, as CI clones may be). Then a per-checkout folder under
 * /var/tmp, which the log line names, so nothing fails for want of a chmod.
 */
export function serverDataDir(o: ClusterOptions): ClusterOptions {
	if (!asRoot) return o;
	mkdirSync(o.dataDir, { recursive: true });
	const reachable = spawnSync("runuser", ["-u", ADMIN_USER, "--", "test", "-x", dirname(o.dataDir)]).status === 0;
	if (reachable) return o;
	sweepOrphanedDataDirs(FALLBACK_ROOT);
	const id = createHash("sha256").update(o.dataDir).digest("hex").slice(0, 12);
	const fallback = join(FALLBACK_ROOT, id);
	mkdirSync(fallback, { recursive: true });
	chmodSync(FALLBACK_ROOT, 0o755);
	writeFileSync(join(fallback, SERVES_FILE), o.dataDir);
	return { ...o, dataDir: fallback };
}

/**
 * Removes the fallback folders whose checkout folder is gone and whose servers are stopped. A
 * clone deleted after its tests, as CI does, otherwise left about 110 MB a cluster there for good
 * (27 GB after some 25 runs on one machine), and a deleted `.local` came back with its old data.
 * A folder without a SERVES_FILE, or with a live server, is left alone.
 */
export function sweepOrphanedDataDirs(root: string): string[] {
	const removed: string[] = [];
	for (const id of existsSync(root) ? readdirSync(root) : []) {
		const dir = join(root, id);
		let serves: string;
		try {
			serves = readFileSync(join(dir, SERVES_FILE), "utf8");
		} catch {
			continue;
		}
		if (existsSync(serves) || hasLiveServer(join(dir, "primary")) || hasLiveServer(join(dir, "replica"))) continue;
		rmSync(dir, { recursive: true, force: true });
		removed.push(dir);
	}
	return removed;
}

/** Whether the process named by a server folder's postmaster.pid is alive (a stale file after a crash is not). */
function hasLiveServer(dir: string): boolean {
	try {
		process.kill(Number(readFileSync(join(dir, "postmaster.pid"), "utf8").split("\n")[0]), 0);
		return true;
	} catch (err) {
		// EPERM: alive, but another user's (only when not root).
		return (err as NodeJS.ErrnoException).code === "EPERM";
	}
}

/** The last lines of a server log, for error messages: why a start failed is usually there. */
export function logTail(file: string, lines = 15): string {
	try {
		return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
	} catch {
		return "(no log)";
	}
}

/**
 * Starts (or reuses) the primary and the replica; idempotent and never hangs.
 * A start that fails part-way stops whatever this call started (the primary
 * included) and throws with the tail of each server's log.
 */
export function up(requested: ClusterOptions): ClusterInfo {
	const o = serverDataDir(requested);
	if (o.dataDir !== requested.dataDir) console.log(`postgres data in ${o.dataDir} (the postgres user cannot reach ${requested.dataDir})`);
	const bin = findPgBin();
	mkdirSync(o.dataDir, { recursive: true });
	accessSync(o.dataDir, constants.W_OK);
	// The server user writes its logs next to the data folders.
	if (asRoot) spawnSync("chown", [`${ADMIN_USER}:`, o.dataDir]);
	const primary = join(o.dataDir, "primary");
	const replica = join(o.dataDir, "replica");
	const startedHere: string[] = [];
	try {
		if (!isInitialized(primary)) initPrimary(bin, o, primary);
		if (ensureRunning(bin, primary, o.primaryPort, join(o.dataDir, "primary.log"))) startedHere.push(primary);
		ensureAppDatabase(bin, o.primaryPort);

		if (!isInitialized(replica)) initReplica(bin, o, replica);
		if (ensureRunning(bin, replica, o.replicaPort, join(o.dataDir, "replica.log"), o.primaryPort)) startedHere.push(replica);
		waitForStreaming(bin, o);
	} catch (err) {
		for (const dir of startedHere.reverse()) {
			try {
				stopServer(bin, dir);
			} catch {
				// Best effort: the original error is the one worth reporting.
			}
		}
		const logs = ["primary", "replica"].map((name) => `--- ${name}.log (tail) ---\n${logTail(join(o.dataDir, `${name}.log`))}`);
		throw new Error(`${(err as Error).message}\n${logs.join("\n")}`);
	}
	return { ...o, ...connectionUrls(o), started: startedHere.length > 0 };
}

/** The ports the cluster's servers run on now, if both run (a cluster left up by a watch session is reused as it is). */
export function runningPorts(requested: ClusterOptions): { primaryPort: number; replicaPort: number } | undefined {
	const o = serverDataDir(requested);
	const bin = findPgBin();
	const [primary, replica] = ["primary", "replica"].map((name) => join(o.dataDir, name));
	if (!primary || !replica || !isRunning(bin, primary) || !isRunning(bin, replica)) return undefined;
	const primaryPort = runningPort(primary);
	const replicaPort = runningPort(replica);
	return primaryPort && replicaPort ? { primaryPort, replicaPort } : undefined;
}

export function down(requested: ClusterOptions) {
	const o = serverDataDir(requested);
	const bin = findPgBin();
	stopServer(bin, join(o.dataDir, "replica"));
	stopServer(bin, join(o.dataDir, "primary"));
}

/** Stops one server (fast shutdown: sessions are cut, as in a crash or a failover). */
function stopNamed(requested: ClusterOptions, name: "primary" | "replica") {
	const o = serverDataDir(requested);
	stopServer(findPgBin(), join(o.dataDir, name));
}

/** Starts one server again and waits until the replica streams from the primary. */
function startNamed(requested: ClusterOptions, name: "primary" | "replica") {
	const o = serverDataDir(requested);
	const bin = findPgBin();
	const dir = join(o.dataDir, name);
	if (!isRunning(bin, dir)) startServer(bin, dir, join(o.dataDir, `${name}.log`));
	waitForStreaming(bin, o);
}

export const stopReplica = (requested: ClusterOptions) => stopNamed(requested, "replica");
export const startReplica = (requested: ClusterOptions) => startNamed(requested, "replica");
export const stopPrimary = (requested: ClusterOptions) => stopNamed(requested, "primary");
export const startPrimary = (requested: ClusterOptions) => startNamed(requested, "primary");

const REFUSE_RULE = "host all all 0.0.0.0/0 reject # refuseConnections()\n";

/**
 * Makes both servers refuse new connections (a `reject` rule first in
 * pg_hba.conf, then a reload) or accept them again. Sessions already open
 * carry on, as when a pooler or a firewall starts refusing connections.
 */
export function refuseConnections(requested: ClusterOptions, refuse: boolean) {
	const o = serverDataDir(requested);
	const bin = findPgBin();
	for (const name of ["primary", "replica"]) {
		const dir = join(o.dataDir, name);
		const hba = join(dir, "pg_hba.conf");
		const rules = readFileSync(hba, "utf8").replace(REFUSE_RULE, "");
		writeFileSync(hba, refuse ? REFUSE_RULE + rules : rules);
		run(join(bin, "pg_ctl"), ["-D", dir, "reload"]);
	}
}

export function status(requested: ClusterOptions) {
	const o = serverDataDir(requested);
	const bin = findPgBin();
	return {
		primary: isRunning(bin, join(o.dataDir, "primary")),
		replica: isRunning(bin, join(o.dataDir, "replica")),
	};
}

if (import.meta.main) {
	const [command = "up"] = process.argv.slice(2);
	const o = devCluster();
	try {
		switch (command) {
			case "up": {
				const info = up(o);
				console.log(`primary ${info.primaryUrl.replace(APP_PASSWORD, "***")}`);
				console.log(`replica ${info.replicaUrl.replace(APP_PASSWORD, "***")}`);
				break;
			}
			case "down":
				down(o);
				break;
			case "stop-replica":
				stopReplica(o);
				break;
			case "start-replica":
				startReplica(o);
				break;
			case "status":
				console.log(JSON.stringify(status(o)));
				break;
			default:
				throw new Error(`unknown command ${command}: use up|down|status|stop-replica|start-replica`);
		}
	} catch (e) {
		console.error((e as Error).message);
		process.exit(1);
	}
}
