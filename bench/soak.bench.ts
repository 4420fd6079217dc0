// The stack stays up: the mixed load (bench/load/) at a rate this machine sustains, for
// BENCH_SOAK_MINUTES (30), reporting every minute the runtime's open file descriptors and memory
// (wrangler's workerd processes), p50/p99 and errors. Fails on any 5xx, 401 or unanswered request, or
// when descriptors or memory keep growing (the last third of the run well above the first).
// The JSON line gives the last minute against the first. BENCH_DUMP=<file> writes the stack's whole
// output there. Run: npm run bench:soak
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { startDevStack } from "../scripts/dev-stack-process.ts";
import { LIFTED_QUOTAS } from "./load/lifted-quotas.ts";
import { loadOptionsFromEnv, runLoad } from "./load/workload.ts";
import { percentile } from "./support/latency.ts";
import { descendants, rssKiB } from "./support/processes.ts";

const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 30);
const options = loadOptionsFromEnv(process.env, {
	seconds: MINUTES * 60,
	browsers: 60,
	imageUploaders: 2,
	videoUploaders: 1,
	sockets: 300,
	thinkMs: 400,
});

/** Open descriptors and resident memory (MB) of the stack's workerd processes, summed. */
function runtimeUsage(root: number): { fds: number; rssMb: number } {
	let fds = 0;
	let rssKb = 0;
	for (const pid of descendants(root, "workerd")) {
		try {
			fds += readdirSync(`/proc/${pid}/fd`).length;
			rssKb += rssKiB(pid);
		} catch {
			// Restarted meanwhile.
		}
	}
	return { fds, rssMb: Math.round(rssKb / 1024) };
}

const TCP_STATES: Record<string, string> = { "01": "ESTABLISHED", "02": "SYN_SENT", "06": "TIME_WAIT", "08": "CLOSE_WAIT", "0A": "LISTEN" };

/** Every TCP socket of this network namespace by inode: its state and ports (/proc/net/tcp{,6}). */
function tcpSockets(): Map<string, { state: string; local: number; remote: number }> {
	const sockets = new Map<string, { state: string; local: number; remote: number }>();
	for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
		for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
			const f = line.trim().split(/\s+/);
			if (f.length < 10) continue;
			const port = (address: string) => Number.parseInt(address.split(":")[1] ?? "0", 16);
			sockets.set(f[9] as string, {
				state: TCP_STATES[f[3] as string] ?? (f[3] as string),
				local: port(f[1] as string),
				remote: port(f[2] as string),
			});
		}
	}
	return sockets;
}

/** Which process listens on each TCP port (name and pid), to say whom a socket talks to. */
function listeners(sockets: ReturnType<typeof tcpSockets>): Map<number, string> {
	const byInode = new Map([...sockets].filter(([, s]) => s.state === "LISTEN").map(([inode, s]) => [inode, s.local]));
	const owners = new Map<number, string>();
	for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
		try {
			const name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
			for (const fd of readdirSync(`/proc/${pid}/fd`)) {
				const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
				const port = inode && byInode.get(inode);
				if (port) owners.set(port, `${name}:${pid}`);
			}
		} catch {
			// Gone meanwhile.
		}
	}
	return owners;
}

/** What the descriptors of the stack's workerd processes are: TCP sockets by state and peer, pipes, files by folder (a runaway's fingerprint). */
function descriptorKinds(root: number): Record<string, number> {
	const kinds: Record<string, number> = {};
	const sockets = tcpSockets();
	const owners = listeners(sockets);
	for (const pid of descendants(root, "workerd")) {
		for (const fd of readdirSync(`/proc/${pid}/fd`)) {
			let target = "?";
			try {
				target = readlinkSync(`/proc/${pid}/fd/${fd}`);
			} catch {
				// Closed meanwhile.
			}
			const tcp = sockets.get(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? "");
			const what = tcp
				? tcp.state === "LISTEN"
					? `listen :${tcp.local}`
					: `tcp ${tcp.state} ${owners.has(tcp.local) ? `from :${tcp.local} (own listener)` : `to ${owners.get(tcp.remote) ?? "?"} :${tcp.remote}`}`
				: target.startsWith("/")
					? dirname(target)
					: target.replace(/\[\d+\]$/, "");
			const kind = `${pid} ${what}`;
			kinds[kind] = (kinds[kind] ?? 0) + 1;
		}
	}
	return kinds;
}

interface Minute {
	minute: number;
	fds: number;
	rssMb: number;
	requests: number;
	p50: number;
	p99: number;
	errors: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

const stack = await startDevStack("bench-soak", { fresh: true, vars: LIFTED_QUOTAS });
const minutes: Minute[] = [];
let described = false;
let failed = false;
try {
	const root = stack.child.pid as number;
	const run = await runLoad(stack.baseUrl, options, {
		during: async ({ stats }) => {
			stats.drainWindow();
			for (let m = 1; m <= MINUTES; m++) {
				// Look every 5 s: a runaway has filled the limit within a minute before.
				for (let tick = 0; tick < 12; tick++) {
					await new Promise((r) => setTimeout(r, 5_000));
					const { fds } = runtimeUsage(root);
					if (!described && minutes[0] && fds > minutes[0].fds * 1.5) {
						described = true;
						const top = Object.entries(descriptorKinds(root)).sort((a, b) => b[1] - a[1]);
						console.log(`descriptors by kind at ${fds}: ${JSON.stringify(Object.fromEntries(top.slice(0, 16)))}`);
					}
				}
				const w = stats.drainWindow();
				// 401: the load's own tokens stopped working (none should: clients renew them), which would hide the rest.
				const failures = [...w.statuses].filter(([s]) => s === 0 || s === 401 || s >= 500);
				const errors = failures.reduce((n, [, c]) => n + c, 0);
				const row = {
					minute: m,
					...runtimeUsage(root),
					requests: w.ms.length,
					p50: percentile(w.ms, 50),
					p99: percentile(w.ms, 99),
					errors,
				};
				minutes.push(row);
				console.log(
					`minute ${String(m).padStart(2)}: fds ${row.fds}, rss ${row.rssMb} MB, ${row.requests} requests, p50 ${row.p50.toFixed(0)} ms, p99 ${row.p99.toFixed(0)} ms, 5xx, 401 or no answer ${errors}${errors ? ` (${failures.map(([s, c]) => `${c} × ${s || "none"}`).join(", ")})` : ""}`,
				);
			}
		},
	});
	const third = Math.max(1, Math.floor(minutes.length / 3));
	const first = minutes.slice(0, third);
	const last = minutes.slice(-third);
	const grew = (pick: (m: Minute) => number, slack: number) => mean(last.map(pick)) > mean(first.map(pick)) * 1.5 + slack;
	const errors = minutes.reduce((n, m) => n + m.errors, 0);
	const problems = [
		...(errors > 0 ? [`${errors} requests answered 5xx or not at all`] : []),
		...(grew((m) => m.fds, 200) ? ["open descriptors kept growing"] : []),
		...(grew((m) => m.rssMb, 200) ? ["memory kept growing"] : []),
	];
	failed = problems.length > 0;
	run.stats.print(`\nSoak for ${run.elapsedSeconds.toFixed(0)} s (latency per route)`);
	console.log(failed ? `FAILED: ${problems.join("; ")}` : "stable: no 5xx, descriptors and memory flat");
	const a = minutes[0];
	const z = minutes.at(-1);
	const ratio = (x?: number, y?: number) => (x && y ? Math.round((y / x) * 100) / 100 : null);
	console.log(
		JSON.stringify({
			bench: "soak",
			minutes: minutes.length,
			errors,
			fdsLastVsFirst: ratio(a?.fds, z?.fds),
			rssLastVsFirst: ratio(a?.rssMb, z?.rssMb),
			p99LastVsFirst: ratio(a?.p99, z?.p99),
		}),
	);
} finally {
	await stack.stop();
	if (process.env.BENCH_DUMP) writeFileSync(process.env.BENCH_DUMP, stack.output());
}
process.exit(failed ? 1 : 0);
