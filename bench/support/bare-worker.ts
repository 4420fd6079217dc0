// Starts bench/bare-worker (a hono Worker answering from memory) under `wrangler dev` on a port
// free at run time: the floor that the runtime and wrangler's dev proxy cost any request, against
// which the benchmarks measure the platform's own work.
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { freePorts } from "../../scripts/free-port.ts";

const root = resolve(import.meta.dirname, "../..");

export interface BareWorker {
	baseUrl: string;
	/** wrangler's DevTools inspector for this Worker (bench/support/cpu-profile.ts). */
	inspectorPort: number;
	child: ChildProcess;
	stop: () => void;
}

export async function startBareWorker(): Promise<BareWorker> {
	const [port, inspectorPort] = (await freePorts(2)) as [number, number];
	const child = spawn(
		resolve(root, "node_modules/.bin/wrangler"),
		[
			"dev",
			"-c",
			"bench/bare-worker/wrangler.toml",
			"--ip",
			"127.0.0.1",
			"--port",
			String(port),
			"--inspector-port",
			String(inspectorPort),
		].concat(["--persist-to", ".local/wrangler-bare"]),
		{ cwd: root, stdio: "ignore" },
	);
	const baseUrl = `http://127.0.0.1:${port}`;
	const stop = () => void child.kill("SIGTERM");
	for (let i = 0; i < 240; i++) {
		const ok = await fetch(`${baseUrl}/bytes/1`).then(
			(r) => r.ok,
			() => false,
		);
		if (ok) return { baseUrl, inspectorPort, child, stop };
		await new Promise((r) => setTimeout(r, 250));
	}
	stop();
	throw new Error("the bare worker did not start");
}
