import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../../lib/postgres/routed-database";
import { publish } from "../../realtime/publish";
import { ringFor } from "../../realtime/ring-config";
import { api, GOOD_PASSWORD, registerUser, type Session } from "../../test-support/api";
import { openedSocket, until } from "../../test-support/sockets";

const upgrade = { upgrade: "websocket" };
const connect = async (token: string, query = "", headers: Record<string, string> = {}) =>
	openedSocket(await api(`/ws?token=${token}${query}`, { headers: { ...upgrade, ...headers } }));

async function send(userIds: string[], type: "NEW_REEL" | "REEL_LIKED", data: unknown) {
	return withDatabase(env, (db) => publish(env, db, { userIds }, { type, data }));
}

/** Two users the ring puts on different shards. */
async function usersOnDifferentShards(): Promise<[Session, Session]> {
	const first = await registerUser();
	const ring = ringFor(env);
	for (let i = 0; i < 20; i++) {
		const other = await registerUser();
		if (ring.shardOf(other.user.id) !== ring.shardOf(first.user.id)) return [first, other];
	}
	throw new Error("no second shard found");
}

describe("GET /ws", () => {
	it("refuses to upgrade without a token, with a bad one, or after logout (401), and plain HTTP (426)", async () => {
		expect((await api("/ws", { headers: upgrade })).status).toBe(401);
		expect((await api("/ws?token=not-a-token", { headers: upgrade })).status).toBe(401);
		const s = await registerUser();
		const out = await api("/api/auth/logout", { method: "POST", token: s.accessToken });
		const afterLogout = await api(`/ws?token=${s.accessToken}`, {
			headers: { ...upgrade, "x-consistency-token": out.headers.get("x-consistency-token") ?? "" },
		});
		expect(afterLogout.status).toBe(401);
		expect((await api(`/ws?token=${(await registerUser()).accessToken}`)).status).toBe(426);
	});

	it("accepts the token as Authorization, as the bearer subprotocol, or as ?token=", async () => {
		const s = await registerUser();
		expect((await api("/ws", { headers: { ...upgrade, authorization: `Bearer ${s.accessToken}` } })).status).toBe(101);
		const viaProtocol = await api("/ws", { headers: { ...upgrade, "sec-websocket-protocol": `bearer, ${s.accessToken}` } });
		expect(viaProtocol.status).toBe(101);
		expect(viaProtocol.headers.get("sec-websocket-protocol")).toBe("bearer");
		expect((await api(`/ws?token=${s.accessToken}`, { headers: upgrade })).status).toBe(101);
	});

	it("answers malformed since or topics with 400 before upgrading", async () => {
		const s = await registerUser();
		expect((await api(`/ws?token=${s.accessToken}&since=-1`, { headers: upgrade })).status).toBe(400);
		expect((await api(`/ws?token=${s.accessToken}&topics=Bad_Topic!`, { headers: upgrade })).status).toBe(400);
	});

	it("takes at most 9 topics a socket: with the user's own tag that is the platform's 10 tags", async () => {
		const s = await registerUser();
		const topics = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`).join(",");
		expect((await api(`/ws?token=${s.accessToken}&topics=${topics(10)}`, { headers: upgrade })).status).toBe(400);
		const nine = await api(`/ws?token=${s.accessToken}&topics=${topics(9)}`, { headers: upgrade });
		expect(nine.status).toBe(101);
		nine.webSocket?.accept();
		nine.webSocket?.close(1000);
	});

	it("delivers each user's events to that user only, across shards, and to every device", async () => {
		const [alice, bob] = await usersOnDifferentShards();
		const a1 = await connect(alice.accessToken);
		const a2 = await connect(alice.accessToken);
		const b = await connect(bob.accessToken);
		const toAlice = await send([alice.user.id], "REEL_LIKED", { reelId: "r-a" });
		const toBob = await send([bob.user.id], "NEW_REEL", { reelId: "r-b" });
		expect(toAlice).toEqual({ stored: 1, delivered: 2 });
		expect(toBob).toEqual({ stored: 1, delivered: 1 });
		await until(() => a1.received.length === 1 && a2.received.length === 1 && b.received.length === 1);
		expect(a1.received[0]).toMatchObject({ type: "REEL_LIKED", seq: 1, data: { reelId: "r-a" } });
		expect(a2.received[0]).toMatchObject({ type: "REEL_LIKED", seq: 1 });
		expect(b.received[0]).toMatchObject({ type: "NEW_REEL", seq: 1, data: { reelId: "r-b" } });
	});

	it("answers PING with PONG", async () => {
		const s = await connect((await registerUser()).accessToken);
		s.ws.send('{"type":"PING"}');
		await until(() => s.received.length > 0);
		expect(s.received[0]).toEqual({ type: "PONG" });
	});

	it("lets a client that dropped off catch up with ?since=", async () => {
		const user = await registerUser();
		const first = await connect(user.accessToken);
		await send([user.user.id], "NEW_REEL", { n: 1 });
		await until(() => first.received.length === 1);
		first.ws.close(1000, "network switch");
		await send([user.user.id], "NEW_REEL", { n: 2 });
		await send([user.user.id], "NEW_REEL", { n: 3 });
		const back = await connect(user.accessToken, "&since=1");
		await until(() => back.received.some((e) => e.type === "RECOVERED"));
		expect(back.received.map((e) => [e.type, e.seq])).toEqual([
			["NEW_REEL", 2],
			["NEW_REEL", 3],
			["RECOVERED", 0],
		]);
		expect(back.received[2]?.data).toMatchObject({ recovered: true });
	});

	it("broadcasts an admin announcement to every socket on the topic, on every shard", async () => {
		const [alice, bob] = await usersOnDifferentShards();
		const topic = `t-${crypto.randomUUID().slice(0, 8)}`;
		const a = await connect(alice.accessToken, `&topics=${topic}`);
		const b = await connect(bob.accessToken, `&topics=${topic},other`);
		const outsider = await connect((await registerUser()).accessToken);
		const sent = await withDatabase(env, (db) => publish(env, db, { topic }, { type: "ANNOUNCEMENT", data: { text: "hello" } }));
		expect(sent).toEqual({ stored: 0, delivered: 2 });
		await until(() => a.received.length === 1 && b.received.length === 1);
		expect(a.received[0]).toMatchObject({ type: "ANNOUNCEMENT", data: { text: "hello" } });
		expect(outsider.received).toEqual([]);
	});
});

describe("sockets of an ended session", () => {
	it("close at once on logout, and only that session's", async () => {
		const s = await registerUser();
		const login = await api("/api/auth/login", { method: "POST", json: { email: s.email, password: GOOD_PASSWORD } });
		const second = (await login.json()) as Session;
		const first = await connect(s.accessToken);
		const other = await connect(second.accessToken, "", { "x-consistency-token": login.headers.get("x-consistency-token") ?? "" });
		expect((await api("/api/auth/logout", { method: "POST", token: s.accessToken })).status).toBe(204);
		await until(() => first.closes.length > 0, "the logged-out session's socket to close");
		expect(first.closes[0]?.code).toBe(4003);
		expect(first.received.map((e) => e.type)).toContain("SESSION_ENDED");
		expect(other.closes).toEqual([]);
		await send([s.user.id], "REEL_LIKED", { reelId: "still-here" });
		await until(() => other.received.some((e) => e.type === "REEL_LIKED"), "the other session to keep receiving");
	});

	it("close when a reused refresh token revokes the session", async () => {
		const s = await registerUser();
		const socket = await connect(s.accessToken);
		const refresh = () => api("/api/auth/refresh", { method: "POST", json: { refreshToken: s.refreshToken } });
		expect((await refresh()).status).toBe(200);
		expect((await refresh()).status).toBe(401);
		await until(() => socket.closes.length > 0, "the revoked session's socket to close");
		expect(socket.closes[0]?.code).toBe(4003);
	});
});
