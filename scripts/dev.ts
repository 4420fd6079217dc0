// `npm run dev`: the whole local platform in one command.
//   1. Postgres primary + streaming replica (reused when already running)
//   2. Postgres and D1 migrations
//   3. the transcoder as a plain Node process (no Docker engine locally)
//   4. wrangler dev (Worker, Durable Objects, R2, D1, Queues, Images, rate limits)
// Ctrl-C stops everything this run started.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { migratePostgres } from "./migrate.ts";
import { APP_PASSWORD, devCluster, down, up } from "./postgres-cluster.ts";

const root = resolve(import.meta.dirname, "..");
const bin = (name: string) => resolve(root, "node_modules/.bin", name);
export const WORKER_PORT = 8787;
export const TRANSCODER_PORT = 8790;

const say = (msg: string) => console.log(`[dev] ${msg}`);

function ffmpegHint(): string | undefined {
	const probe = spawnSync("ffmpeg", ["-hide_banner", "-version"], { encoding: "utf8" });
	return probe.status === 0
		? undefined
		: "ffmpeg not found: install it with `apt-get install -y ffmpeg` (the transcoder reports itself down until then)";
}

function applyD1Migrations() {
	const r = spawnSync(bin("wrangler"), ["d1", "migrations", "apply", "MEDIA_DB", "--local"], {
		cwd: root,
		encoding: "utf8",
		env: { ...process.env, CI: "true" }, // non-interactive: no confirmation prompt
	});
	if (r.status !== 0) throw new Error(`D1 migrations failed:\n${r.stdout}\n${r.stderr}`);
}

async function main() {
	const cluster = devCluster(root);
	say("starting Postgres primary and replica …");
	const pg = up(cluster);
	say(`primary ${pg.primaryUrl.replace(APP_PASSWORD, "***")}`);
	say(`replica ${pg.replicaUrl.replace(APP_PASSWORD, "***")}`);
	await migratePostgres(pg.primaryUrl);
	say("Postgres migrations applied");
	applyD1Migrations();
	say("D1 migrations applied");

	const hint = ffmpegHint();
	if (hint) say(hint);
	const workDir = resolve(root, ".local/transcoder");
	mkdirSync(workDir, { recursive: true });
	const children: ChildProcess[] = [];
	const transcoder = spawn(process.execPath, [resolve(root, "transcode-container/src/server.ts")], {
		cwd: root,
		stdio: "inherit",
		env: { ...process.env, PORT: String(TRANSCODER_PORT), HOST: "127.0.0.1", TRANSCODER_WORK_DIR: workDir },
	});
	children.push(transcoder);

	const wrangler = spawn(bin("wrangler"), ["dev", "--ip", "127.0.0.1", "--port", String(WORKER_PORT)], {
		cwd: root,
		stdio: "inherit",
	});
	children.push(wrangler);

	say(`API        http://127.0.0.1:${WORKER_PORT}/`);
	say(`health     http://127.0.0.1:${WORKER_PORT}/health`);
	say(`OpenAPI    http://127.0.0.1:${WORKER_PORT}/openapi.json`);
	say(`transcoder http://127.0.0.1:${TRANSCODER_PORT}/health`);

	let stopping = false;
	const stop = (code: number) => {
		if (stopping) return;
		stopping = true;
		say("stopping …");
		for (const child of children) child.kill("SIGTERM");
		// Servers that were already running before this command are left as found.
		if (pg.started) down(cluster);
		process.exit(code);
	};
	process.on("SIGINT", () => stop(0));
	process.on("SIGTERM", () => stop(0));
	for (const child of children) {
		child.on("exit", (code) => {
			if (!stopping) say(`a child process exited (${code}); stopping the stack`);
			stop(code ?? 1);
		});
	}
}

main().catch((err: Error) => {
	console.error(`[dev] ${err.message}`);
	process.exit(1);
});
