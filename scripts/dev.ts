// `npm run dev`: the whole local platform in one command.
//   1. Postgres primary + streaming replica (reused when already running)
//   2. Postgres and D1 migrations
//   3. the transcoder as a plain Node process (no Docker engine locally)
//   4. wrangler dev (Worker, Durable Objects, R2, D1, Queues, Images, rate limits)
// Ctrl-C stops everything this run started. Ports and folders can be moved
// with DEV_PORT, TRANSCODER_PORT, PG_PORT, PG_REPLICA_PORT (default PG_PORT+1),
// INSPECTOR_PORT, PG_DATA_DIR, WRANGLER_STATE_DIR and TRANSCODER_WORK_DIR, which is how the
// end-to-end tests and benchmarks run stacks of their own;
// DEV_VARS="NAME=value,…" overrides wrangler.toml vars (benchmarks lift quotas).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { ASSETS_DIR, buildAssets, buildWebApp } from "./build-assets.ts";
import { portInUse, processHoldingPort } from "./free-port.ts";
import { type MailCatcher, startMailCatcher } from "./mail-catcher.ts";
import { migratePostgres } from "./migrate.ts";
import { type PoolInfo, poolDown, poolPortOf, poolUp } from "./pg-pool.ts";
import { APP_PASSWORD, type ClusterOptions, down, runningPorts, up } from "./postgres-cluster.ts";
import { ensureDevSecrets } from "./signing-keys.ts";

const root = resolve(import.meta.dirname, "..");
const bin = (name: string) => resolve(root, "node_modules/.bin", name);
const CHILD_STOP_TIMEOUT_MS = 10_000;
/** A child that has run this long had come up; if it dies later it is restarted. */
export const RESTART_ONLY_AFTER_MS = 20_000;

interface Supervised {
	name: string;
	child: ChildProcess;
	startedAt: number;
}

export interface DevStackOptions {
	/** Extra `--var NAME:value` overrides for wrangler dev. */
	varOverrides: string[];
	workerPort: number;
	transcoderPort: number;
	/** wrangler's devtools port; undefined leaves wrangler's default. */
	inspectorPort?: number;
	cluster: ClusterOptions;
	/** The transaction-mode pool in front of both servers (scripts/pg-pool.ts): the Worker's Hyperdrive bindings. */
	poolPort: number;
	wranglerStateDir: string;
	transcoderWorkDir: string;
	/** The mail catcher: SMTP for the Worker, a web page listing what it caught, and where it keeps the .eml files. */
	mailPort: number;
	mailWebPort: number;
	mailDir: string;
}

export function devStackOptions(env: NodeJS.ProcessEnv = process.env): DevStackOptions {
	const int = (name: string, fallback: number) => {
		const n = Number(env[name] ?? fallback);
		if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name} must be a port number`);
		return n;
	};
	const pgPort = int("PG_PORT", 54330);
	const replicaPort = int("PG_REPLICA_PORT", pgPort + 1);
	const varOverrides = (env.DEV_VARS ?? "")
		.split(",")
		.filter(Boolean)
		.map((pair) => {
			const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair.trim());
			if (!m) throw new Error(`DEV_VARS entries look like NAME=value, got "${pair}"`);
			return `${m[1]}:${m[2]}`;
		});
	return {
		varOverrides,
		workerPort: int("DEV_PORT", 8787),
		transcoderPort: int("TRANSCODER_PORT", 8790),
		...(env.INSPECTOR_PORT ? { inspectorPort: int("INSPECTOR_PORT", 9229) } : {}),
		cluster: { dataDir: resolve(root, env.PG_DATA_DIR ?? ".local/pg"), primaryPort: pgPort, replicaPort },
		poolPort: int("PG_POOL_PORT", pgPort + 2),
		wranglerStateDir: resolve(root, env.WRANGLER_STATE_DIR ?? ".wrangler/state"),
		// Each stack's own: a transcoder that starts clears the job folders it finds (a killed predecessor's).
		transcoderWorkDir: resolve(root, env.TRANSCODER_WORK_DIR ?? ".local/transcoder"),
		mailPort: int("MAIL_PORT", 8025),
		mailWebPort: int("MAIL_WEB_PORT", 8026),
		mailDir: resolve(root, env.MAIL_DIR ?? ".local/mail"),
	};
}

const say = (msg: string) => console.log(`[dev] ${msg}`);

function ffmpegHint(): string | undefined {
	const probe = spawnSync("ffmpeg", ["-hide_banner", "-version"], { encoding: "utf8" });
	return probe.status === 0
		? undefined
		: "ffmpeg not found: install it with `apt-get install -y ffmpeg` (the transcoder reports itself down until then)";
}

function applyD1Migrations(stateDir: string) {
	const r = spawnSync(bin("wrangler"), ["d1", "migrations", "apply", "MEDIA_DB", "--local", "--persist-to", stateDir], {
		cwd: root,
		encoding: "utf8",
		env: { ...process.env, CI: "true" }, // non-interactive: no confirmation prompt
	});
	if (r.status !== 0) throw new Error(`D1 migrations failed:\n${r.stdout}\n${r.stderr}`);
}

/**
 * Every port this run will bind must be free before anything starts, so a
 * taken port is one clear message and never a half-started stack. The
 * cluster's own ports are exempt when it already runs there (it is reused).
 */
export async function takenPorts(o: DevStackOptions): Promise<string[]> {
	const running = runningPorts(o.cluster);
	const wanted: [string, number | undefined][] = [
		["the Worker (DEV_PORT)", o.workerPort],
		["the transcoder (TRANSCODER_PORT)", o.transcoderPort],
		["the mail catcher's SMTP (MAIL_PORT)", o.mailPort],
		["the mail catcher's page (MAIL_WEB_PORT)", o.mailWebPort],
		["wrangler's inspector (INSPECTOR_PORT)", o.inspectorPort],
		["the Postgres primary (PG_PORT)", running?.primaryPort === o.cluster.primaryPort ? undefined : o.cluster.primaryPort],
		["the Postgres replica (PG_REPLICA_PORT)", running?.replicaPort === o.cluster.replicaPort ? undefined : o.cluster.replicaPort],
		["the Postgres pool (PG_POOL_PORT)", poolPortOf(o.cluster) === o.poolPort ? undefined : o.poolPort],
	];
	const taken: string[] = [];
	for (const [what, port] of wanted) {
		if (port === undefined || !(await portInUse(port))) continue;
		taken.push(`port ${port} for ${what} is taken by ${processHoldingPort(port) ?? "another process"}`);
	}
	return taken;
}

async function stopChild(child: ChildProcess) {
	if (child.exitCode !== null || child.signalCode !== null) return;
	child.kill("SIGTERM");
	const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_STOP_TIMEOUT_MS);
	await once(child, "exit");
	clearTimeout(timer);
}

async function main() {
	const o = devStackOptions();
	const taken = await takenPorts(o);
	if (taken.length) {
		throw new Error(
			`cannot start: ${taken.join("; ")}. Stop it, or move this stack with DEV_PORT, TRANSCODER_PORT, PG_PORT, PG_REPLICA_PORT, PG_POOL_PORT.`,
		);
	}
	say("starting Postgres primary and replica …");
	const pg = up(o.cluster);
	say(`primary ${pg.primaryUrl.replace(APP_PASSWORD, "***")}`);
	say(`replica ${pg.replicaUrl.replace(APP_PASSWORD, "***")}`);
	let pool: PoolInfo | undefined;
	try {
		pool = poolUp(o.cluster, o.poolPort);
		say(`pool    127.0.0.1:${pool.port} (PgBouncer, transaction mode: the Worker's Hyperdrive bindings)`);
		await migratePostgres(pg.primaryUrl);
		say("Postgres migrations applied");
		applyD1Migrations(o.wranglerStateDir);
		say("D1 migrations applied");
		if (ensureDevSecrets(resolve(root, ".dev.vars"))) say("generated local secrets (JWT signing key, image URL key) in .dev.vars");
	} catch (err) {
		// Leave nothing running that this run started.
		if (pool?.started) poolDown(o.cluster);
		if (pg.started) down(o.cluster);
		throw err;
	}

	const pooled = pool;
	buildAssets();
	// The web app: built now, and, for a person at a terminal, rebuilt on every change (wrangler dev
	// serves the new files at once). Stacks started by tests and benchmarks build once.
	const appWatcher = await buildWebApp(ASSETS_DIR, { watch: Boolean(process.stdout.isTTY) });
	say(`static assets built (the web app at /, the API reference at /docs)${process.stdout.isTTY ? "; the app rebuilds on change" : ""}`);
	const hint = ffmpegHint();
	if (hint) say(hint);
	// The mail catcher runs in this process: what the Worker mails is kept, never delivered.
	let mail: MailCatcher;
	try {
		mail = await startMailCatcher({ dir: o.mailDir, smtpPort: o.mailPort, webPort: o.mailWebPort });
	} catch (err) {
		await appWatcher.close();
		if (pooled.started) poolDown(o.cluster);
		if (pg.started) down(o.cluster);
		throw err;
	}
	const workDir = o.transcoderWorkDir;
	mkdirSync(workDir, { recursive: true });
	const transcoderUrl = `http://127.0.0.1:${o.transcoderPort}`;
	let stopping = false;
	const supervised: Supervised[] = [];
	// A child that dies after it came up is restarted, as Cloudflare restarts a crashed container or
	// runtime (and as the fault runs in bench/faults.ts expect); one that dies while starting stops the stack.
	const supervise = (name: string, start: () => ChildProcess) => {
		const s: Supervised = { name, child: start(), startedAt: Date.now() };
		const onExit = (code: number | null) => {
			if (stopping) return;
			if (Date.now() - s.startedAt < RESTART_ONLY_AFTER_MS) {
				say(`${name} exited (${code}) while starting; stopping the stack`);
				void stop(code ?? 1);
				return;
			}
			say(`${name} exited (${code}); restarting it`);
			s.child = start();
			s.startedAt = Date.now();
			s.child.on("exit", onExit);
		};
		s.child.on("exit", onExit);
		supervised.push(s);
	};
	supervise("the transcoder", () =>
		spawn(process.execPath, [resolve(root, "transcode-container/src/server.ts")], {
			cwd: root,
			stdio: "inherit",
			env: { ...process.env, PORT: String(o.transcoderPort), HOST: "127.0.0.1", TRANSCODER_WORK_DIR: workDir },
		}),
	);
	supervise("wrangler dev", () =>
		spawn(
			bin("wrangler"),
			[
				"dev",
				"--ip",
				"127.0.0.1",
				"--port",
				String(o.workerPort),
				...(o.inspectorPort ? ["--inspector-port", String(o.inspectorPort)] : []),
				"--persist-to",
				o.wranglerStateDir,
				// Lets a developer fire the cron by hand: GET /__scheduled (local only).
				"--test-scheduled",
				"--var",
				`TRANSCODER_URL:${transcoderUrl}`,
				"--var",
				`SMTP_URL:${mail.smtpUrl}`,
				"--var",
				`APP_ORIGIN:http://localhost:${o.workerPort}`,
				...o.varOverrides.flatMap((v) => ["--var", v]),
			],
			{
				cwd: root,
				stdio: ["ignore", "inherit", "inherit"],
				env: {
					...process.env,
					// wrangler's documented override of a Hyperdrive binding's localConnectionString.
					CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: pooled.primaryUrl,
					CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE_REPLICA: pooled.replicaUrl,
				},
			},
		),
	);

	say(`web app    http://127.0.0.1:${o.workerPort}/`);
	say(`API        http://127.0.0.1:${o.workerPort}/api/…`);
	say(`health     http://127.0.0.1:${o.workerPort}/health`);
	say(`OpenAPI    http://127.0.0.1:${o.workerPort}/openapi.json`);
	say(`transcoder ${transcoderUrl}/health`);
	say(`mail       ${mail.webUrl}/ (caught, never delivered; .eml files in ${o.mailDir}; \`npm run mail\` lists them)`);
	say("Ctrl-C stops everything");

	const stop = async (code: number) => {
		if (stopping) return;
		stopping = true;
		say("stopping …");
		await Promise.all([...supervised.map((s) => stopChild(s.child)), appWatcher.close(), mail.close()]);
		// Servers that were already running before this command are left as found.
		if (pooled.started) poolDown(o.cluster);
		if (pg.started) down(o.cluster);
		say("stopped");
		process.exit(code);
	};
	const onSignal = () => void stop(0);
	process.on("SIGINT", onSignal);
	process.on("SIGTERM", onSignal);
}

if (import.meta.main) {
	main().catch((err: Error) => {
		console.error(`[dev] ${err.message}`);
		process.exit(1);
	});
}
