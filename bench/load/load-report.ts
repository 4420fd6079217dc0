// After the load: let videos in flight end, let sockets drain, read every
// write back, and sum it all up in the JSON line the benchmark ends with.
import { percentile } from "../support/latency.ts";
import type { LoadRun } from "./workload.ts";
import { runMinuteCron } from "./write-ledger.ts";

export interface LoadSummary {
	requests: number;
	rps: number;
	p50Ms: number;
	p99Ms: number;
	errors5xx: number;
	acknowledgedWrites: number;
	lostWrites: number;
	duplicatedWrites: number;
	wsDelivered: number;
	wsLost: number;
}

export interface Settled {
	summary: LoadSummary;
	stuckVideos: string[];
	wsLatency: { p50: number; p95: number; p99: number };
	outboxCatchUpSeconds: number;
	details: string[];
}

/** Waits until `check` holds or `ms` pass; returns whether it held. */
async function within(ms: number, check: () => boolean | Promise<boolean>): Promise<boolean> {
	const deadline = Date.now() + ms;
	while (Date.now() < deadline) {
		if (await check()) return true;
		await new Promise((r) => setTimeout(r, 250));
	}
	return check();
}

export async function settle(run: LoadRun, { videoGraceMs = 240_000, socketGraceMs = 15_000 } = {}): Promise<Settled> {
	const requests = run.stats.requests;
	const all = run.stats.all();
	// Videos still transcoding when the load stopped: each must still end, ready or failed with a reason.
	await within(videoGraceMs, async () => {
		for (const v of run.videos.filter((x) => x.endedAt === undefined)) {
			const res = await run.reader.call("verify", `/api/videos/${v.id}/status`, {
				headers: { authorization: `Bearer ${run.tokenOf(v.owner)}` },
			});
			const body = res.body as { status?: string; error?: string | null };
			if (res.status === 200 && (body.status === "ready" || body.status === "failed")) {
				v.status = body.status;
				v.reason = body.error ?? undefined;
				v.endedAt = Date.now();
			}
		}
		return run.videos.every((v) => v.endedAt !== undefined);
	});
	// Events whose after-the-response delivery was cut short (the database or the runtime went away)
	// wait in the outbox for the every-minute cron. Production runs it on its own; wrangler dev runs
	// crons only when asked (--test-scheduled), so the harness asks, once, as the next minute would.
	await runMinuteCron(run.reader.baseUrl);
	const stuckVideos = run.videos.filter((v) => v.endedAt === undefined || (v.status === "failed" && !v.reason)).map((v) => v.id);
	await within(socketGraceMs, () => run.fleet.tally(run.socketExpectations).lost === 0);
	const ws = run.fleet.tally(run.socketExpectations);
	// No more reconnects while the ledger is read back.
	await run.fleet.close();
	const verdict = await run.ledger.verify(run.reader, run.tokenOf);
	const summary: LoadSummary = {
		requests,
		rps: Math.round((requests / run.elapsedSeconds) * 10) / 10,
		p50Ms: Math.round(percentile(all, 50) * 10) / 10,
		p99Ms: Math.round(percentile(all, 99) * 10) / 10,
		errors5xx: run.stats.count((s) => s >= 500 || s === 0),
		acknowledgedWrites: verdict.acknowledgedWrites,
		lostWrites: verdict.lostWrites,
		duplicatedWrites: verdict.duplicatedWrites,
		wsDelivered: ws.delivered,
		wsLost: ws.lost,
	};
	return {
		summary,
		stuckVideos,
		wsLatency: { p50: percentile(ws.latencies, 50), p95: percentile(ws.latencies, 95), p99: percentile(ws.latencies, 99) },
		outboxCatchUpSeconds: verdict.outboxCatchUpSeconds ?? 0,
		details: verdict.details,
	};
}
