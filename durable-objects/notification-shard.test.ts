import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SHARD_CONNECT_HEADER, type ShardConnect } from "../workers/realtime/events";
import { MAX_INBOUND_FRAME_BYTES, MAX_INBOUND_FRAMES, MAX_SOCKETS_PER_USER } from "../workers/realtime/socket-limits";
import { openedSocket, until } from "../workers/test-support/sockets";

const shard = () => env.NOTIFICATION_SHARD.getByName(`test-shard-${crypto.randomUUID()}`);
type Stub = ReturnType<typeof shard>;

async function connect(stub: Stub, meta: Partial<ShardConnect> & { userId: string }) {
	const full: ShardConnect = {
		sessionId: crypto.randomUUID(),
		tokenExpiresAt: Math.floor(Date.now() / 1000) + 600,
		shardIndex: 0,
		topics: [],
		...meta,
	};
	return openedSocket(
		await stub.fetch("http://shard/connect", { headers: { upgrade: "websocket", [SHARD_CONNECT_HEADER]: JSON.stringify(full) } }),
	);
}

describe("NotificationShard", () => {
	it("answers PING with PONG through the hibernation auto-response", async () => {
		const s = await connect(shard(), { userId: crypto.randomUUID() });
		s.ws.send('{"type":"PING"}');
		await until(() => s.received.length > 0);
		expect(s.received[0]).toEqual({ type: "PONG" });
	});

	it("numbers each user's events 1, 2, 3… and delivers to every socket of that user only", async () => {
		const stub = shard();
		const alice = crypto.randomUUID();
		const a1 = await connect(stub, { userId: alice });
		const a2 = await connect(stub, { userId: alice });
		const b = await connect(stub, { userId: crypto.randomUUID() });
		const results = await stub.deliver([
			{ userId: alice, type: "REEL_LIKED", data: { reelId: "r1" } },
			{ userId: alice, type: "NEW_FOLLOWER", data: { followerId: "f1" } },
		]);
		expect(results.map((r) => [r.seq, r.sockets])).toEqual([
			[1, 2],
			[2, 2],
		]);
		await until(() => a1.received.length === 2 && a2.received.length === 2);
		expect(a1.received.map((e) => [e.type, e.seq])).toEqual([
			["REEL_LIKED", 1],
			["NEW_FOLLOWER", 2],
		]);
		expect(b.received).toEqual([]);
		expect(await stub.stats()).toMatchObject({ connections: 3, users: 2, delivered: 4, storedEvents: 2 });
	});

	it("replays what a reconnecting client missed, then says RECOVERED true", async () => {
		const stub = shard();
		const user = crypto.randomUUID();
		await stub.deliver([1, 2, 3].map((n) => ({ userId: user, type: "NEW_COMMENT" as const, data: { n } })));
		const s = await connect(stub, { userId: user, since: 1 });
		await until(() => s.received.length === 3);
		expect(s.received.map((e) => e.seq)).toEqual([2, 3, 0]);
		expect(s.received[2]).toMatchObject({ type: "RECOVERED", data: { recovered: true, replayed: 2, latestSeq: 3 } });
	});

	it("says RECOVERED false when the gap reaches past the kept window (REALTIME_RETAIN_EVENTS)", async () => {
		const stub = shard();
		const user = crypto.randomUUID();
		const retain = Number(env.REALTIME_RETAIN_EVENTS);
		await stub.deliver(Array.from({ length: retain + 3 }, (_, n) => ({ userId: user, type: "NEW_COMMENT" as const, data: { n } })));
		const s = await connect(stub, { userId: user, since: 1 });
		await until(() => s.received.some((e) => e.type === "RECOVERED"));
		const marker = s.received.at(-1);
		expect(marker).toMatchObject({ type: "RECOVERED", data: { recovered: false, replayed: retain } });
		expect(s.received[0]?.seq).toBe(4);
	});

	it("says RECOVERED false for a since it never issued (e.g. after the user moved shards)", async () => {
		const s = await connect(shard(), { userId: crypto.randomUUID(), since: 42 });
		await until(() => s.received.length > 0);
		expect(s.received[0]).toMatchObject({ type: "RECOVERED", data: { recovered: false } });
	});

	it("closes a socket whose token has expired instead of delivering to it", async () => {
		const stub = shard();
		const user = crypto.randomUUID();
		const expiresAt = Math.floor(Date.now() / 1000) + 1;
		const s = await connect(stub, { userId: user, tokenExpiresAt: expiresAt });
		// Until the token has expired (the clock passes its second), not a fixed wait.
		await until(() => Date.now() >= expiresAt * 1000, "the token's expiry");
		const [result] = await stub.deliver([{ userId: user, type: "NEW_REEL", data: {} }]);
		expect(result?.sockets).toBe(0);
		await until(() => s.closes.length > 0, "close");
		expect(s.closes[0]?.code).toBe(4001);
	});

	it("sends RECONNECT to users the ring no longer assigns to it, on its sweep", async () => {
		const stub = shard();
		// The shard believes it is index 9999, which the ring never assigns: every user here has moved.
		const s = await connect(stub, { userId: crypto.randomUUID(), shardIndex: 9999 });
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		await until(() => s.closes.length > 0, "close");
		expect(s.received.at(-1)).toMatchObject({ type: "RECONNECT", data: { reason: "resharded" } });
		expect(s.closes[0]?.code).toBe(4002);
	});

	it("refuses plain HTTP (426) and connections without metadata (400)", async () => {
		const stub = shard();
		expect((await stub.fetch("http://shard/connect")).status).toBe(426);
		expect((await stub.fetch("http://shard/connect", { headers: { upgrade: "websocket" } })).status).toBe(400);
	});

	it("keeps at most MAX_SOCKETS_PER_USER sockets per user, closing the oldest for the newest", async () => {
		const stub = shard();
		const user = crypto.randomUUID();
		const sockets: Awaited<ReturnType<typeof connect>>[] = [];
		for (let i = 0; i <= MAX_SOCKETS_PER_USER; i++) sockets.push(await connect(stub, { userId: user }));
		await until(() => (sockets[0]?.closes.length ?? 0) > 0, "the oldest socket to close");
		expect(sockets[0]?.closes[0]?.code).toBe(4008);
		expect(sockets.slice(1).every((s) => s.closes.length === 0)).toBe(true);
		expect(await stub.stats()).toMatchObject({ connections: MAX_SOCKETS_PER_USER });
	});

	it("closes a socket that sends frames too big (1009) or too many (1008)", async () => {
		const stub = shard();
		const big = await connect(stub, { userId: crypto.randomUUID() });
		big.ws.send("x".repeat(MAX_INBOUND_FRAME_BYTES + 1));
		await until(() => big.closes.length > 0, "the oversized sender to be closed");
		expect(big.closes[0]?.code).toBe(1009);
		const chatty = await connect(stub, { userId: crypto.randomUUID() });
		for (let i = 0; i <= MAX_INBOUND_FRAMES; i++) chatty.ws.send('{"type":"HELLO"}');
		await until(() => chatty.closes.length > 0, "the flooding sender to be closed");
		expect(chatty.closes[0]?.code).toBe(1008);
	});
});
