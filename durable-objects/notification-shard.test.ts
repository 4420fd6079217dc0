import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SHARD_USER_HEADER } from "./notification-shard";

async function openSocket(stub: DurableObjectStub<import("./notification-shard").NotificationShard>, userId: string) {
	const res = await stub.fetch("http://shard/connect", { headers: { upgrade: "websocket", [SHARD_USER_HEADER]: userId } });
	expect(res.status).toBe(101);
	const ws = res.webSocket;
	if (!ws) throw new Error("no socket in the upgrade response");
	ws.accept();
	const received: string[] = [];
	ws.addEventListener("message", (e) => received.push(String(e.data)));
	return { ws, received };
}

const until = async (check: () => boolean) => {
	for (let i = 0; i < 50 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe("NotificationShard", () => {
	it("answers PING with PONG through the hibernation auto-response", async () => {
		const stub = env.NOTIFICATION_SHARD.getByName(`shard-${crypto.randomUUID()}`);
		const { ws, received } = await openSocket(stub, "u1");
		ws.send('{"type":"PING"}');
		await until(() => received.length > 0);
		expect(received).toEqual(['{"type":"PONG"}']);
		ws.close(1000, "done");
	});

	it("delivers an event to every socket of the addressed user and no one else", async () => {
		const stub = env.NOTIFICATION_SHARD.getByName(`shard-${crypto.randomUUID()}`);
		const a1 = await openSocket(stub, "alice");
		const a2 = await openSocket(stub, "alice");
		const b = await openSocket(stub, "bob");
		const envelope = { type: "REEL_LIKED", seq: 1, at: new Date().toISOString(), data: { reelId: "r1" } };
		expect(await stub.deliver("alice", envelope)).toBe(2);
		await until(() => a1.received.length > 0 && a2.received.length > 0);
		expect(JSON.parse(a1.received[0] ?? "null")).toEqual(envelope);
		expect(JSON.parse(a2.received[0] ?? "null")).toEqual(envelope);
		expect(b.received).toEqual([]);
		expect(await stub.connectionCount()).toBe(3);
		for (const s of [a1, a2, b]) s.ws.close(1000, "done");
	});

	it("answers a non-PING message with an error event instead of trusting it", async () => {
		const stub = env.NOTIFICATION_SHARD.getByName(`shard-${crypto.randomUUID()}`);
		const { ws, received } = await openSocket(stub, "u2");
		ws.send('{"type":"SUBSCRIBE","data":"everything"}');
		await until(() => received.length > 0);
		expect(JSON.parse(received[0] ?? "null")).toMatchObject({ type: "ERROR", data: { code: "unsupported_message" } });
		ws.close(1000, "done");
	});

	it("refuses plain HTTP (426) and upgrades without a user (400)", async () => {
		const stub = env.NOTIFICATION_SHARD.getByName(`shard-${crypto.randomUUID()}`);
		expect((await stub.fetch("http://shard/connect")).status).toBe(426);
		expect((await stub.fetch("http://shard/connect", { headers: { upgrade: "websocket" } })).status).toBe(400);
	});
});
