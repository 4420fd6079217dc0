// Starts scripts/dev.ts (what `npm run dev` runs) as a child process on ports
// and folders of its own, for the end-to-end tests and the benchmarks.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { freePorts } from "./free-port.ts";
import { type ClusterOptions, down, serverDataDir } from "./postgres-cluster.ts";
import { followVerificationMail } from "./verify-email.ts";
import { waitFor } from "./wait-for.ts";

const root = resolve(import.meta.dirname, "..");

export interface DevStackProcess {
	baseUrl: string;
	transcoderUrl: string;
	/** The stack's mail catcher listing (scripts/mail-catcher.ts): GET /messages?to=<address>. */
	mailUrl: string;
	/** wrangler's DevTools inspector (bench/support/cpu-profile.ts). */
	inspectorPort: number;
	cluster: ClusterOptions;
	child: ChildProcess;
	output: () => string;
	/** Sends Ctrl-C and resolves with the exit code. */
	stop: () => Promise<number | null>;
}

/**
 * `name` picks the folders. Every port (Worker, transcoder, inspector, Postgres
 * primary and replica, and the pool in front of them) is one that is free at run time (scripts/free-port.ts),
 * so two stacks, or a stack and anything else on the machine, never collide.
 */
export async function startDevStack(
	name: string,
	{
		vars = {},
		readyTimeoutMs = 120_000,
		fresh = false,
	}: {
		vars?: Record<string, string>;
		readyTimeoutMs?: number;
		/** Start from empty databases and storage (the folders of an earlier run are removed). */
		fresh?: boolean;
	} = {},
): Promise<DevStackProcess> {
	const [worker, transcoder, inspector, primary, replica, pool, mail, mailWeb] = (await freePorts(8)) as [
		number,
		number,
		number,
		number,
		number,
		number,
		number,
		number,
	];
	const ports = {
		DEV_PORT: String(worker),
		TRANSCODER_PORT: String(transcoder),
		INSPECTOR_PORT: String(inspector),
		PG_PORT: String(primary),
		PG_REPLICA_PORT: String(replica),
		PG_POOL_PORT: String(pool),
		MAIL_PORT: String(mail),
		MAIL_WEB_PORT: String(mailWeb),
	};
	const cluster = { dataDir: resolve(root, `.local/pg-${name}`), primaryPort: primary, replicaPort: replica };
	if (fresh) {
		down(cluster);
		for (const dir of [
			serverDataDir(cluster).dataDir,
			cluster.dataDir,
			resolve(root, `.local/wrangler-${name}`),
			resolve(root, `.local/mail-${name}`),
		]) {
			rmSync(dir, { recursive: true, force: true });
		}
	}
	let output = "";
	// The stack a test starts is the one `npm run dev` starts. Vitest sets NODE_ENV=test, and Vite
	// would take it to build the web app for development (JSX with source paths, Preact's devtools:
	// 6 KB more gzip before the first play than what ships, measured by web-app.e2e.test.ts).
	const { NODE_ENV: _testEnv, ...inherited } = process.env;
	const child = spawn(process.execPath, [resolve(root, "scripts/dev.ts")], {
		cwd: root,
		env: {
			...inherited,
			...ports,
			PG_DATA_DIR: `.local/pg-${name}`,
			WRANGLER_STATE_DIR: `.local/wrangler-${name}`,
			TRANSCODER_WORK_DIR: `.local/transcoder-${name}`,
			MAIL_DIR: `.local/mail-${name}`,
			DEV_VARS: Object.entries(vars)
				.map(([k, v]) => `${k}=${v}`)
				.join(","),
		},
		stdio: ["ignore", "pipe", "pipe"],
	});
	child.stdout?.on("data", (d) => {
		output += d;
	});
	child.stderr?.on("data", (d) => {
		output += d;
	});
	const baseUrl = `http://127.0.0.1:${ports.DEV_PORT}`;
	const stop = async () => {
		if (child.exitCode !== null) return child.exitCode;
		child.kill("SIGINT");
		const [code] = await once(child, "exit");
		return code as number | null;
	};
	try {
		await waitFor(
			"the dev stack to become healthy",
			async () => {
				if (child.exitCode !== null) throw new Error(`it exited with ${child.exitCode}`);
				return fetch(`${baseUrl}/health`)
					.then(async (r) => ((await r.json()) as { status: string }).status === "ok")
					.catch(() => false);
			},
			{ timeoutMs: readyTimeoutMs, everyMs: 250 },
		);
	} catch (err) {
		await stop();
		throw new Error(`the dev stack did not become healthy (${(err as Error).message})\n--- output ---\n${output.slice(-4000)}`);
	}
	return {
		baseUrl,
		transcoderUrl: `http://127.0.0.1:${ports.TRANSCODER_PORT}`,
		mailUrl: `http://127.0.0.1:${ports.MAIL_WEB_PORT}`,
		inspectorPort: inspector,
		cluster,
		child,
		output: () => output,
		stop,
	};
}

export interface RegisteredUser {
	accessToken: string;
	user: { id: string; email: string };
}

/**
 * Registers a fresh user over HTTP (the way a client would) and returns its session; throws unless
 * 201. With `verifyVia` (the stack's `mailUrl`) it also follows the verification link it was mailed.
 */
export async function registerOn(
	baseUrl: string,
	{ name = "Test User", ip, verifyVia }: { name?: string; ip?: string; verifyVia?: string } = {},
): Promise<RegisteredUser> {
	const email = `user-${crypto.randomUUID()}@example.test`;
	const res = await fetch(`${baseUrl}/api/auth/register`, {
		method: "POST",
		headers: { "content-type": "application/json", ...(ip ? { "cf-connecting-ip": ip } : {}) },
		body: JSON.stringify({ email, password: "dev stack pass 1", name }),
	});
	if (res.status !== 201) throw new Error(`register: expected 201, got ${res.status}: ${await res.text()}`);
	const user = (await res.json()) as RegisteredUser;
	if (verifyVia) await followVerificationMail(baseUrl, verifyVia, email);
	return user;
}
