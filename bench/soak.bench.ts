// The stack stays up: the mixed load (bench/load/) at a rate this machine sustains, for
// BENCH_SOAK_MINUTES (30), reporting every minute the runtime's open file descriptors and memory
// (wrangler's workerd processes), p50/p99 and errors. Fails on any 5xx or unanswered request, or
// when descriptors or memory keep growing (the last third of the run well above the first).
// The JSON line gives the last minute against the first. Run: npm run bench:soak
import { readdirSync, readFileSync } from "node:fs";
import { startDevStack } from "../scripts/dev-stack-process.ts";
import { LIFTED_QUOTAS } from "./load/lifted-quotas.ts";
import { loadOptionsFromEnv, runLoad } from "./load/workload.ts";
import { percentile } from "./support/latency.ts";

const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 30);
const options = loadOptionsFromEnv(process.env, {
	seconds: MINUTES * 60,
	browsers: 60,
	imageUploaders: 2,
	videoUploaders: 1,
	sockets: 300,
	thinkMs: 400,
});

/** The processes under `root` named `name`. */
function descendants(root: number, name: string): number[] {
	const parent = new Map<number, number>();
	const names = new Map<number, string>();
	for (const entry of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const close = stat.lastIndexOf(")");
			parent.set(Number(entry), Number(stat.slice(close + 2).split(" ")[1]));
			names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
		} catch {
			// Gone meanwhile.
		}
	}
	const under = (pid: number): boolean => pid === root || (pid > 1 && under(parent.get(pid) ?? 0));
	return [...names].filter(([pid, n]) => n === name && under(pid)).map(([pid]) => pid);
}

/** Open descriptors and resident memory (MB) of the stack's workerd processes, summed. */
function runtimeUsage(root: number): { fds: number; rssMb: number } {
	let fds = 0;
	let rssKb = 0;
	for (const pid of descendants(root, "workerd")) {
		try {
			fds += readdirSync(`/proc/${pid}/fd`).length;
			rssKb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
		} catch {
			// Restarted meanwhile.
		}
	}
	return { fds, rssMb: Math.round(rssKb / 1024) };
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
let failed = false;
try {
	const root = stack.child.pid as number;
	const run = await runLoad(stack.baseUrl, options, {
		during: async ({ stats }) => {
			stats.drainWindow();
			for (let m = 1; m <= MINUTES; m++) {
				await new Promise((r) => setTimeout(r, 60_000));
				const w = stats.drainWindow();
				const errors = [...w.statuses].filter(([s]) => s === 0 || s >= 500).reduce((n, [, c]) => n + c, 0);
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
					`minute ${String(m).padStart(2)}: fds ${row.fds}, rss ${row.rssMb} MB, ${row.requests} requests, p50 ${row.p50.toFixed(0)} ms, p99 ${row.p99.toFixed(0)} ms, 5xx or no answer ${errors}`,
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
}
process.exit(failed ? 1 : 0);
