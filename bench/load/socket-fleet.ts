// The WebSocket listeners: sockets spread over users, each remembering which
// notifications arrived and when, so the harness can say, per notification a
// write caused, how many of its user's sockets got it (delivered) or not (lost),
// and how long after the write was sent.
import { once } from "node:events";
import WebSocket from "ws";
import { notificationKey } from "./write-ledger.ts";

interface Listener {
	user: string;
	ws: WebSocket;
	arrived: Map<string, number>;
	reconnects: number;
	recovered: number;
}

export class SocketFleet {
	private readonly listeners: Listener[] = [];
	private readonly wsUrl: string;
	/** Why sockets closed: the close code (1006: no close frame; "refused": the upgrade was answered with an error). */
	readonly closeCodes = new Map<string, number>();
	closed = false;

	constructor(wsUrl: string) {
		this.wsUrl = wsUrl;
	}

	/** Opens `count` sockets, round-robin over `users`, 50 at a time. */
	async open(count: number, users: { id: string; token: () => string }[]) {
		for (let start = 0; start < count; start += 50) {
			const opening = [];
			for (let i = start; i < Math.min(count, start + 50); i++) {
				const u = users[i % users.length] as (typeof users)[number];
				const l: Listener = { user: u.id, ws: undefined as unknown as WebSocket, arrived: new Map(), reconnects: 0, recovered: 0 };
				this.listeners.push(l);
				opening.push(this.connect(l, u.token, i));
			}
			await Promise.all(opening);
		}
	}

	/** Connects, and reconnects (with `since`, so missed events are replayed) whenever the server closes. */
	private async connect(l: Listener, token: () => string, i: number, since?: number, failuresSoFar = 0) {
		let failures = failuresSoFar;
		const ws = new WebSocket(`${this.wsUrl}/ws${since !== undefined ? `?since=${since}` : ""}`, {
			headers: { authorization: `Bearer ${token()}`, "cf-connecting-ip": `10.90.${(i >> 8) & 255}.${i & 255}` },
		});
		l.ws = ws;
		let lastSeq = since ?? 0;
		ws.on("message", (raw) => {
			const msg = JSON.parse(String(raw)) as { type: string; seq?: number; data?: Record<string, unknown> };
			if (typeof msg.seq === "number") lastSeq = Math.max(lastSeq, msg.seq);
			if (msg.type === "RECOVERED") l.recovered++;
			const key = notificationKey(msg.type, msg.data);
			if (!l.arrived.has(key)) l.arrived.set(key, Date.now());
		});
		ws.on("error", () => undefined);
		ws.on("unexpected-response", (req, res) => {
			const why = `refused ${res.statusCode}`;
			this.closeCodes.set(why, (this.closeCodes.get(why) ?? 0) + 1);
			res.resume();
			req.destroy(); // ws then emits "close", which schedules the next attempt
		});
		let opened = false;
		ws.on("open", () => {
			opened = true;
			failures = 0;
		});
		let gone = false;
		ws.on("close", (code) => {
			if (this.closed || gone) return;
			gone = true;
			if (opened) this.closeCodes.set(String(code), (this.closeCodes.get(String(code)) ?? 0) + 1);
			l.reconnects++;
			if (!opened) failures++;
			// The server went away (a restart, a reshard) or refused: come back after a growing,
			// jittered pause, as the web app does, so thousands of sockets do not stampede a busy stack.
			const delay = Math.min(15_000, 500 * 2 ** Math.min(failures, 5)) * (0.5 + Math.random());
			setTimeout(() => void this.connect(l, token, i, lastSeq, failures).catch(() => undefined), delay);
		});
		await Promise.race([once(ws, "open"), once(ws, "close")]);
	}

	get size() {
		return this.listeners.length;
	}

	reconnects(): number {
		return this.listeners.reduce((n, l) => n + l.reconnects, 0);
	}

	recoveries(): number {
		return this.listeners.reduce((n, l) => n + l.recovered, 0);
	}

	/**
	 * For each expected notification (user → key → when its write was sent):
	 * how many sockets of that user got it, how many did not, and the latencies.
	 */
	tally(expected: Map<string, Map<string, number>>) {
		let delivered = 0;
		let lost = 0;
		const latencies: number[] = [];
		for (const l of this.listeners) {
			for (const [key, sentAt] of expected.get(l.user) ?? []) {
				const at = l.arrived.get(key);
				if (at === undefined) lost++;
				else {
					delivered++;
					latencies.push(at - sentAt);
				}
			}
		}
		return { delivered, lost, latencies: latencies.sort((a, b) => a - b) };
	}

	async close() {
		this.closed = true;
		for (const l of this.listeners) l.ws.terminate();
	}
}
