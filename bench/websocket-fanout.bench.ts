// Real-time fan-out: 1,000 WebSockets on the local `wrangler dev` (auth before
// upgrade, 16 notification shards), an admin broadcast to all of them, repeated;
// reports delivery latency p50/p99 and messages per second. The baseline, in the
// same run: a plain Node `ws` server broadcasting the same payload to the same
// number of clients. Run: npm run bench:ws
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import pg from "pg";
import WebSocket, { WebSocketServer } from "ws";
import { registerOn, startDevStack } from "../scripts/dev-stack-process.ts";
import { connectionUrls } from "../scripts/postgres-cluster.ts";
import { startCpuProfile } from "./support/cpu-profile.ts";
import { expectStatus } from "./support/latency.ts";

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 1000);
/** A user may hold MAX_SOCKETS_PER_USER (8) sockets on a shard; a ninth closes their oldest. */
const SOCKETS_PER_USER = 8;
const USERS = Math.max(1, Math.ceil(SOCKETS / SOCKETS_PER_USER));
const BROADCASTS = Number(process.env.BENCH_BROADCASTS ?? 20);
const TOPIC = "bench";

interface Fleet {
	sockets: WebSocket[];
	latencies: number[];
	received: number;
}

/** Opens `count` client sockets with `url(i)`, counting and timing every message that carries a sentAt. */
async function openFleet(count: number, url: (i: number) => string, headers: (i: number) => Record<string, string>): Promise<Fleet> {
	const fleet: Fleet = { sockets: [], latencies: [], received: 0 };
	const batch = 50;
	for (let start = 0; start < count; start += batch) {
		const opened = [];
		for (let i = start; i < Math.min(count, start + batch); i++) {
			const ws = new WebSocket(url(i), { headers: headers(i) });
			ws.on("message", (raw) => {
				const msg = JSON.parse(String(raw)) as { data?: { sentAt?: number } };
				if (typeof msg.data?.sentAt === "number") {
					fleet.latencies.push(Date.now() - msg.data.sentAt);
					fleet.received++;
				}
			});
			fleet.sockets.push(ws);
			opened.push(once(ws, "open"));
		}
		await Promise.all(opened);
	}
	return fleet;
}

/** Sends `BROADCASTS` rounds, each waiting until every socket got it; returns messages per second. */
/**
 * One warm-up broadcast (not counted: the first one pays for compiling the paths and the first
 * database connection, on either server), then `BROADCASTS` rounds, each waiting until every socket
 * got it. Returns messages per second and the median time `send` took to return (the request).
 */
async function drive(fleet: Fleet, send: (sentAt: number) => Promise<void>): Promise<{ rate: number; sendMs: number }> {
	const sendTimes: number[] = [];
	let started = Date.now();
	for (let round = 0; round <= BROADCASTS; round++) {
		const sentAt = Date.now();
		await send(sentAt);
		sendTimes.push(Date.now() - sentAt);
		const deadline = Date.now() + 30_000;
		while (fleet.received < (round + 1) * fleet.sockets.length) {
			if (Date.now() > deadline) throw new Error(`round ${round}: ${fleet.received} of ${(round + 1) * fleet.sockets.length} delivered`);
			await new Promise((r) => setTimeout(r, 2));
		}
		if (round === 0) {
			fleet.latencies.length = 0;
			sendTimes.length = 0;
			started = Date.now();
		}
	}
	return { rate: (fleet.received - fleet.sockets.length) / ((Date.now() - started) / 1000), sendMs: pct(sendTimes, 50) };
}

const pct = (xs: number[], p: number) =>
	[...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;

async function nodeBaseline(): Promise<{ p50: number; p99: number; rate: number }> {
	const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
	await once(wss, "listening");
	const { port } = wss.address() as AddressInfo;
	const fleet = await openFleet(
		SOCKETS,
		() => `ws://127.0.0.1:${port}/`,
		() => ({}),
	);
	const { rate } = await drive(fleet, async (sentAt) => {
		const text = JSON.stringify({ type: "ANNOUNCEMENT", seq: 0, at: new Date().toISOString(), data: { sentAt } });
		for (const client of wss.clients) client.send(text);
	});
	for (const ws of fleet.sockets) ws.close();
	wss.close();
	return { p50: pct(fleet.latencies, 50), p99: pct(fleet.latencies, 99), rate };
}

async function main() {
	const stack = await startDevStack("bench", {
		vars: { QUOTA_ANON_PER_HOUR: "1000000", QUOTA_USER_PER_HOUR: "1000000", QUOTA_AUTH_PER_HOUR: "1000000" },
	});
	try {
		const tokens: string[] = [];
		for (let u = 0; u < USERS; u++) {
			tokens.push((await registerOn(stack.baseUrl, { name: `Bench ${u}`, ip: `10.3.0.${u % 250}` })).accessToken);
		}
		// The broadcaster: promoted to admin directly in the database.
		const adminSession = await registerOn(stack.baseUrl, { name: "Admin", ip: "10.3.1.1" });
		const client = new pg.Client({ connectionString: connectionUrls(stack.cluster).primaryUrl });
		await client.connect();
		await client.query("UPDATE users SET role = 'admin' WHERE id = $1", [adminSession.user.id]);
		const { rows } = await client.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
		await client.end();

		const wsBase = stack.baseUrl.replace("http", "ws");
		const fleet = await openFleet(
			SOCKETS,
			(i) => `${wsBase}/ws?topics=${TOPIC}&token=${tokens[i % USERS]}`,
			(i) => ({ "cf-connecting-ip": `10.4.${Math.floor(i / 250)}.${i % 250}` }),
		);
		// BENCH_PROFILE=1: a CPU profile of the runtime's isolate over the broadcasts (bench/support/cpu-profile.ts).
		const stopProfile = process.env.BENCH_PROFILE ? await startCpuProfile(stack.inspectorPort) : undefined;
		const { rate, sendMs } = await drive(fleet, async (sentAt) => {
			const res = await fetch(`${stack.baseUrl}/api/realtime/broadcast`, {
				method: "POST",
				headers: {
					"content-type": "application/json",
					authorization: `Bearer ${adminSession.accessToken}`,
					"x-consistency-token": rows[0]?.lsn ?? "",
					"cf-connecting-ip": `10.3.2.${sentAt % 250}`,
				},
				body: JSON.stringify({ topic: TOPIC, data: { sentAt } }),
			});
			await (await expectStatus(res, 202, "broadcast")).arrayBuffer();
		});
		if (stopProfile) console.log("runtime CPU, self time by function (% of busy samples):", (await stopProfile()).top);
		const edge = { p50: pct(fleet.latencies, 50), p99: pct(fleet.latencies, 99), rate };
		for (const ws of fleet.sockets) ws.close();

		const node = await nodeBaseline();
		console.log(`websocket fan-out: ${SOCKETS} sockets (${USERS} users), ${BROADCASTS} broadcasts each reaching every socket`);
		console.log(`${"server".padEnd(34)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)} ${"msgs/s".padStart(9)}`);
		const row = (name: string, r: typeof edge) =>
			console.log(`${name.padEnd(34)} ${r.p50.toFixed(1).padStart(7)} ${r.p99.toFixed(1).padStart(7)} ${r.rate.toFixed(0).padStart(9)}`);
		row("node ws broadcast (baseline)", node);
		row("wrangler dev, 16 shards", edge);
		// Rounds run one after another, so arrivals are in round order: where the slowest deliveries fall.
		console.log(`the broadcast request itself (until its 202, all shards' sends done): median ${sendMs} ms`);
		const slowest = Array.from({ length: BROADCASTS }, (_, r) => Math.max(...fleet.latencies.slice(r * SOCKETS, (r + 1) * SOCKETS)));
		console.log(`slowest delivery per broadcast (ms): ${slowest.join(" ")}`);
		console.log(
			`ratios vs baseline: p50 ${(edge.p50 / Math.max(node.p50, 0.1)).toFixed(1)}x, throughput ${(edge.rate / node.rate).toFixed(2)}x`,
		);
		const ratio = (x: number) => Math.round(x * 100) / 100;
		console.log(
			JSON.stringify({
				bench: "ws",
				p50VsNode: ratio(edge.p50 / Math.max(node.p50, 0.1)),
				throughputVsNode: ratio(edge.rate / node.rate),
				p99Ms: edge.p99,
			}),
		);
	} finally {
		await stack.stop();
	}
}

main().catch((err: Error) => {
	console.error(err.message);
	process.exit(1);
});
