// The mixed load (bench/load/): 200 clients browsing, 20 uploading images,
// 3 uploading videos (single request and tus) and 2,000 WebSocket listeners on
// one dev stack of its own, for 2 minutes; then every acknowledged write is
// read back. Prints latency per route, statuses, WebSocket delivery, the
// transcode backlog, and last a JSON summary. Run: npm run bench:load
// (LOAD_SECONDS, LOAD_BROWSERS, LOAD_SOCKETS, … scale it: bench/load/workload.ts).
// BENCH_PROFILE=1 also prints where the runtime's isolate spent 10 s from the load's first third.
import { setTimeout as sleep } from "node:timers/promises";
import { startDevStack } from "../scripts/dev-stack-process.ts";
import { LIFTED_QUOTAS } from "./load/lifted-quotas.ts";
import { settle } from "./load/load-report.ts";
import { loadOptionsFromEnv, runLoad } from "./load/workload.ts";
import { printCpuProfile, startCpuProfile } from "./support/cpu-profile.ts";

const options = loadOptionsFromEnv();
const stack = await startDevStack("bench-load", { fresh: true, vars: LIFTED_QUOTAS });
let failed = false;
try {
	const profile = async () => {
		await sleep((options.seconds * 1000) / 3);
		const stop = await startCpuProfile(stack.inspectorPort, { intervalUs: 1000 });
		await sleep(Math.min(10_000, (options.seconds * 1000) / 2));
		printCpuProfile("the profile", await stop(25));
	};
	const run = await runLoad(stack.baseUrl, options, process.env.BENCH_PROFILE ? { during: profile } : {});
	const settled = await settle(run);
	run.stats.print(`\nMixed load for ${run.elapsedSeconds.toFixed(0)} s (latency per route, every request including verification)`);
	const ended = run.videos.filter((v) => v.endedAt !== undefined);
	const ready = ended.filter((v) => v.status === "ready");
	console.log(
		`videos: ${run.videos.length} uploaded, ${ready.length} ready, ${ended.length - ready.length} failed, stuck ${settled.stuckVideos.length}; backlog max ${Math.max(0, ...run.backlog)}, at the end ${run.backlog.at(-1) ?? 0}`,
	);
	console.log(
		`websockets: ${run.fleet.size} open, delivered ${settled.summary.wsDelivered}, lost ${settled.summary.wsLost}, latency p50 ${settled.wsLatency.p50} ms p95 ${settled.wsLatency.p95} ms p99 ${settled.wsLatency.p99} ms, reconnects ${run.fleet.reconnects()} (closes and refusals: ${JSON.stringify(Object.fromEntries(run.fleet.closeCodes))})`,
	);
	console.log(`inboxes complete ${settled.outboxCatchUpSeconds} s after the load (outbox cron catching up)`);
	for (const d of settled.details) console.log(`  ${d}`);
	failed = settled.summary.lostWrites + settled.summary.duplicatedWrites > 0 || settled.stuckVideos.length > 0;
	console.log(JSON.stringify({ bench: "load", ...settled.summary }));
} finally {
	await stack.stop();
}
process.exit(failed ? 1 : 0);
