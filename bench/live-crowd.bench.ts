// A crowd watching one live stream (issue 26, part 6): anonymous viewer sockets join one stream's
// `LiveStream` object in steps, each from its own address, as fast as this machine lets them, and a
// signed-in viewer chats after each step. Per step it reports:
//   - count messages per join: every VIEWERS message the crowd received while it grew, divided by the
//     joins. Broadcasting each join to everyone would cost the crowd's size per join; the ratio to that
//     size is what coalescing (at most one count message a second) saves;
//   - chat delivery: from a CHAT frame sent to it arriving at every viewer, p50/p99; the baseline is
//     the same at the first (smallest) step of the same run;
//   - the runtime's CPU a second while the chat runs, and while the crowd sits idle (hibernated): in
//     these phases the stream's object is all the runtime (wrangler's workerd processes) runs.
// Ends with one JSON line. Run: npm run bench:live-crowd (BENCH_LIVE_STEPS="100,500,1000,2000").
import { once } from "node:events";
import { readFileSync } from "node:fs";
import WebSocket from "ws";
import { registerOn, startDevStack } from "../scripts/dev-stack-process.ts";
import { LIFTED_QUOTAS } from "./load/lifted-quotas.ts";
import { percentile } from "./support/latency.ts";
import { descendants } from "./support/processes.ts";

const STEPS = (process.env.BENCH_LIVE_STEPS ?? "100,500,1000,2000").split(",").map(Number);
/** Sockets opened at once while a step grows the crowd. */
const JOIN_CONCURRENCY = 50;
/** Chat messages after each step, 1.1 s apart (a chatter's own limit is one a second). */
const CHATS = 8;
/** Time for the last count message and the last chat message to reach everyone. */
const SETTLE_MS = 2_500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const address = (i: number) => `10.40.${i >> 8}.${i & 255}`;
/** The CPU time so far of the runtime's processes (wrangler's workerd: its entry and the Worker's), in ms (utime + stime, ticks of 10 ms). */
function cpuMs(pids: number[]): number {
	let ticks = 0;
	for (const pid of pids) {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		ticks += Number(fields[11]) + Number(fields[12]);
	}
	return ticks * 10;
}

interface Viewer {
	ws: WebSocket;
	counts: number;
}

async function main() {
	const stack = await startDevStack("live-crowd", { vars: { ...LIFTED_QUOTAS } });
	const viewers: Viewer[] = [];
	try {
		const owner = await registerOn(stack.baseUrl, { name: "Crowd streamer", verifyVia: stack.mailUrl });
		const created = await fetch(`${stack.baseUrl}/api/live`, { method: "POST", headers: { authorization: `Bearer ${owner.accessToken}` } });
		if (created.status !== 201) throw new Error(`create a stream: ${created.status} ${await created.text()}`);
		const { id } = (await created.json()) as { id: string };
		const wsUrl = `${stack.baseUrl.replace("http", "ws")}/api/live/${id}/ws`;
		const runtime = descendants(stack.child.pid as number, "workerd");
		if (runtime.length === 0) throw new Error("the runtime's processes were not found");

		// Chat arrivals: message text → arrival times at viewers.
		const arrivals = new Map<string, number[]>();
		const open = async (i: number) => {
			const ws = new WebSocket(wsUrl, { headers: { "cf-connecting-ip": address(i) } });
			const viewer: Viewer = { ws, counts: 0 };
			ws.on("message", (raw) => {
				const m = JSON.parse(String(raw)) as { type: string; data: { text?: string } };
				if (m.type === "VIEWERS") viewer.counts++;
				else if (m.type === "CHAT" && m.data.text) arrivals.get(m.data.text)?.push(performance.now());
			});
			ws.on("error", () => undefined);
			await once(ws, "open");
			viewers.push(viewer);
		};
		const chatter = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${owner.accessToken}`, "cf-connecting-ip": "10.39.0.1" } });
		chatter.on("message", () => undefined);
		await once(chatter, "open");

		type Row = {
			viewers: number;
			joinsPerSecond: number;
			countMessagesPerJoin: number;
			perJoinVsCrowd: number;
			chatP50Ms: number;
			chatP99Ms: number;
			chatDelivered: number;
			idleCpuMsPerS: number;
			chatCpuMsPerS: number;
		};
		const rows: Row[] = [];
		for (const target of STEPS) {
			// Grow the crowd: the count messages it receives meanwhile, per join.
			const before = viewers.reduce((n, v) => n + v.counts, 0);
			const from = viewers.length;
			const joinStart = performance.now();
			for (let i = from; i < target; i += JOIN_CONCURRENCY) {
				await Promise.all(Array.from({ length: Math.min(JOIN_CONCURRENCY, target - i) }, (_, j) => open(i + j)));
			}
			const joinSeconds = (performance.now() - joinStart) / 1000;
			await sleep(SETTLE_MS);
			const joins = viewers.length - from;
			const countMessages = viewers.reduce((n, v) => n + v.counts, 0) - before;
			const meanCrowd = (from + viewers.length) / 2;

			// Idle: the crowd connected and silent.
			const idle0 = cpuMs(runtime);
			await sleep(3_000);
			const idleCpuPerS = (cpuMs(runtime) - idle0) / 3;

			// Chat: CHATS messages, each to every viewer; latencies once the last had time to arrive.
			const sent = new Map<string, number>();
			const chat0 = cpuMs(runtime);
			const chatStart = performance.now();
			for (let k = 0; k < CHATS; k++) {
				const text = `step ${target} message ${k}`;
				arrivals.set(text, []);
				sent.set(text, performance.now());
				chatter.send(JSON.stringify({ type: "CHAT", text }));
				await sleep(1_100);
			}
			await sleep(SETTLE_MS);
			const latencies = [...sent].flatMap(([text, at]) => (arrivals.get(text) ?? []).map((t) => t - at));
			for (const text of sent.keys()) arrivals.delete(text);
			const chatSeconds = (performance.now() - chatStart) / 1000;
			const chatCpuPerS = (cpuMs(runtime) - chat0) / chatSeconds;
			const sorted = latencies.sort((a, b) => a - b);
			const delivered = latencies.length / (CHATS * viewers.length);
			const row: Row = {
				viewers: viewers.length,
				joinsPerSecond: Math.round(joins / joinSeconds),
				countMessagesPerJoin: Number((countMessages / Math.max(1, joins)).toFixed(2)),
				perJoinVsCrowd: Number((countMessages / Math.max(1, joins) / Math.max(1, meanCrowd)).toFixed(3)),
				chatP50Ms: Math.round(percentile(sorted, 50)),
				chatP99Ms: Math.round(percentile(sorted, 99)),
				chatDelivered: Number(delivered.toFixed(3)),
				idleCpuMsPerS: Math.round(idleCpuPerS),
				chatCpuMsPerS: Math.round(chatCpuPerS),
			};
			rows.push(row);
			console.log(
				`${String(row.viewers).padStart(6)} viewers  ${String(row.joinsPerSecond).padStart(4)} joins/s  ${row.countMessagesPerJoin} count msgs/join (${(row.perJoinVsCrowd * 100).toFixed(1)} % of the crowd)  chat p50 ${row.chatP50Ms} ms p99 ${row.chatP99Ms} ms, ${(row.chatDelivered * 100).toFixed(1)} % delivered  runtime CPU idle ${row.idleCpuMsPerS} ms/s, chatting ${row.chatCpuMsPerS} ms/s`,
			);
		}
		const first = rows[0];
		const last = rows[rows.length - 1];
		if (!first || !last) throw new Error("no steps");
		console.log(
			JSON.stringify({
				bench: "live-crowd",
				viewers: last.viewers,
				countMessagesPerJoin: last.countMessagesPerJoin,
				perJoinVsCrowd: last.perJoinVsCrowd,
				chatP99Ms: last.chatP99Ms,
				chatP99VsFirstStep: Number((last.chatP99Ms / Math.max(1, first.chatP99Ms)).toFixed(2)),
				chatDelivered: last.chatDelivered,
				chatCpuMsPerS: last.chatCpuMsPerS,
				chatCpuVsIdle: Number((last.chatCpuMsPerS / Math.max(1, last.idleCpuMsPerS)).toFixed(2)),
			}),
		);
		chatter.close();
	} finally {
		for (const v of viewers) v.ws.terminate();
		await stack.stop();
	}
}

await main();
