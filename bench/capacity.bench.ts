// Capacity against the seeds' numbers, on one dev stack of its own:
//  1. WebSockets: sockets are added in steps, and at each step admin broadcasts
//     must reach every socket; the most sockets held with the p99 under 500 ms
//     is the capacity (the websocket-shootout rule). The ramp goes on past the
//     rule while every broadcast still arrives, to 10,000 sockets, which then
//     idle 20 s (the shards hibernate); memory per socket is the runtime's
//     resident memory growth divided by the sockets still open.
//  2. Video: 10 s 720x1280 clips uploaded back to back by 4 users until 12 are
//     ready; uploads per hour this machine transcodes, sustained.
// Run: npm run bench:capacity (CAPACITY_MAX_SOCKETS, CAPACITY_VIDEOS scale it).
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import WebSocket from "ws";
import { registerOn, startDevStack } from "../scripts/dev-stack-process.ts";
import { pidListeningOn } from "../scripts/free-port.ts";
import { connectionUrls } from "../scripts/postgres-cluster.ts";
import { makeClip } from "../scripts/test-media.ts";
import { LIFTED_QUOTAS } from "./load/lifted-quotas.ts";
import { percentile } from "./support/latency.ts";
import { rssKiB } from "./support/processes.ts";

const MAX_SOCKETS = Number(process.env.CAPACITY_MAX_SOCKETS ?? 10_000);
const STEPS = [1_000, 2_500, 5_000, 7_500, 10_000, 12_500, 15_000].filter((n) => n <= MAX_SOCKETS);
const BROADCASTS_PER_STEP = 5;
const RULE_MS = 500;
const VIDEOS = Number(process.env.CAPACITY_VIDEOS ?? 12);

const stack = await startDevStack("bench-capacity", { fresh: true, vars: LIFTED_QUOTAS });
const result: Record<string, number> = {};
try {
	// ---- 1. WebSockets ----
	// At most 8 sockets per person (MAX_SOCKETS_PER_USER: a ninth closes the oldest), so people are added with the sockets.
	const users: Awaited<ReturnType<typeof registerOn>>[] = [];
	const ensureUsers = async (sockets: number) => {
		const needed = Math.ceil(sockets / 8);
		while (users.length < needed) {
			const batch = Math.min(8, needed - users.length);
			users.push(
				...(await Promise.all(
					Array.from({ length: batch }, (_, j) =>
						registerOn(stack.baseUrl, {
							name: `Cap ${users.length + j}`,
							ip: `10.5.${(users.length + j) >> 8}.${(users.length + j) & 255}`,
						}),
					),
				)),
			);
		}
	};
	const admin = await registerOn(stack.baseUrl, { name: "Admin", ip: "10.4.255.1" });
	const db = new pg.Client({ connectionString: connectionUrls(stack.cluster).primaryUrl });
	await db.connect();
	await db.query("UPDATE users SET role = 'admin' WHERE id = $1", [admin.user.id]);
	const lsn = (await db.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn")).rows[0]?.lsn ?? "";
	await db.end();
	const runtimePid = pidListeningOn(Number(new URL(stack.baseUrl).port));
	const rssBefore = runtimePid ? rssKiB(runtimePid) : 0;

	const sockets: WebSocket[] = [];
	const arrivals = new Map<number, number[]>(); // broadcast sentAt → latencies
	const wsBase = stack.baseUrl.replace("http", "ws");
	const open = async (i: number) => {
		const ws = new WebSocket(`${wsBase}/ws?topics=cap`, {
			headers: { authorization: `Bearer ${users[Math.floor(i / 8)]?.accessToken}`, "cf-connecting-ip": `10.6.${i >> 8}.${i & 255}` },
		});
		ws.on("message", (raw) => {
			const sentAt = (JSON.parse(String(raw)) as { data?: { sentAt?: number } }).data?.sentAt;
			if (typeof sentAt === "number") arrivals.get(sentAt)?.push(Date.now() - sentAt);
		});
		ws.on("error", () => undefined);
		await once(ws, "open");
		sockets.push(ws);
	};
	/** The most sockets with every broadcast delivered under the rule (the capacity), and the most with every broadcast delivered at all. */
	let held = 0;
	let heldAtAll = 0;
	let bytesPerSocket = 0;
	console.log(
		`${"sockets".padStart(8)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"delivered".padStart(10)} ${"runtime RSS MiB".padStart(16)}`,
	);
	for (const step of STEPS) {
		await ensureUsers(step);
		try {
			for (let i = sockets.length; i < step; i += 100)
				await Promise.all(Array.from({ length: Math.min(100, step - i) }, (_, j) => open(i + j)));
		} catch (err) {
			console.log(`could not open socket ${sockets.length + 1}: ${(err as Error).message}`);
			break;
		}
		const latencies: number[] = [];
		let delivered = 0;
		for (let b = 0; b < BROADCASTS_PER_STEP; b++) {
			const sentAt = Date.now();
			arrivals.set(sentAt, []);
			const res = await fetch(`${stack.baseUrl}/api/realtime/broadcast`, {
				method: "POST",
				headers: {
					"content-type": "application/json",
					authorization: `Bearer ${admin.accessToken}`,
					"x-consistency-token": lsn,
					"cf-connecting-ip": "10.4.255.2",
				},
				body: JSON.stringify({ topic: "cap", data: { sentAt } }),
			});
			if (res.status !== 202) throw new Error(`broadcast: ${res.status} ${await res.text()}`);
			const deadline = Date.now() + 30_000;
			const got = arrivals.get(sentAt) ?? [];
			while (got.length < sockets.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
			delivered += got.length;
			latencies.push(...got);
			arrivals.delete(sentAt);
		}
		latencies.sort((a, b) => a - b);
		const rss = runtimePid ? rssKiB(runtimePid) : 0;
		const p99 = percentile(latencies, 99);
		console.log(
			`${String(sockets.length).padStart(8)} ${percentile(latencies, 50).toFixed(0).padStart(8)} ${p99.toFixed(0).padStart(8)} ${`${delivered}/${sockets.length * BROADCASTS_PER_STEP}`.padStart(10)} ${(rss / 1024).toFixed(0).padStart(16)}`,
		);
		if (delivered < sockets.length * BROADCASTS_PER_STEP) break;
		// Past the rule the ramp goes on: how many idle (hibernated) sockets one stack holds is the other question.
		if (p99 < RULE_MS && held === heldAtAll) held = sockets.length;
		heldAtAll = sockets.length;
	}
	// Idle long enough for the shards to hibernate (about 10 s without events), then the memory per held socket.
	await new Promise((r) => setTimeout(r, 20_000));
	const alive = sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
	bytesPerSocket = runtimePid && alive ? Math.round(((rssKiB(runtimePid) - rssBefore) * 1024) / alive) : 0;
	for (const ws of sockets) ws.terminate();
	result.socketsHeld = held;
	result.socketsHeldIdle = alive;
	result.runtimeBytesPerSocket = bytesPerSocket;
	console.log(
		`held ${held} sockets with broadcasts under ${RULE_MS} ms at p99, and ${alive} open and idle (every broadcast delivered up to ${heldAtAll}); runtime memory ≈ ${(bytesPerSocket / 1024).toFixed(1)} KiB per idle socket`,
	);

	// ---- 2. Sustained video uploads ----
	const dir = mkdtempSync(join(tmpdir(), "capacity-"));
	try {
		const clip = makeClip(dir, { size: "720x1280", seconds: 10 }).bytes;
		const uploaders = await Promise.all(
			Array.from({ length: 4 }, (_, i) => registerOn(stack.baseUrl, { name: `Up ${i}`, ip: `10.7.0.${i}` })),
		);
		const started = Date.now();
		let ready = 0;
		let failed = 0;
		await Promise.all(
			uploaders.map(async (u, i) => {
				for (let n = i; n < VIDEOS; n += uploaders.length) {
					const form = new FormData();
					form.set("file", new Blob([new Uint8Array(clip)], { type: "video/mp4" }), "clip.mp4");
					const auth = { authorization: `Bearer ${u.accessToken}`, "cf-connecting-ip": `10.7.0.${i}` };
					const up = await fetch(`${stack.baseUrl}/api/videos/upload`, { method: "POST", headers: auth, body: form });
					if (up.status !== 202) throw new Error(`upload: ${up.status}`);
					const { id } = (await up.json()) as { id: string };
					for (;;) {
						const { status } = (await (await fetch(`${stack.baseUrl}/api/videos/${id}/status`, { headers: auth })).json()) as {
							status: string;
						};
						if (status === "ready" || status === "failed") {
							if (status === "ready") ready++;
							else failed++;
							break;
						}
						await new Promise((r) => setTimeout(r, 500)); // the uploader's progress poll
					}
				}
			}),
		);
		const seconds = (Date.now() - started) / 1000;
		result.videosPerHour = Math.round((ready / seconds) * 3600);
		console.log(
			`videos: ${ready} ready, ${failed} failed in ${seconds.toFixed(0)} s → ${result.videosPerHour} ten-second 720x1280 uploads per hour on this machine`,
		);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
} finally {
	await stack.stop();
}
console.log(JSON.stringify({ bench: "capacity", ...result }));
