// The live API and its two sockets, against the real LiveStream object, D1, R2 and the test transcoder.
import { describe, expect, it } from "vitest";
import { MAX_INGEST_FRAMES } from "../../live/publisher-ingest";
import { api, GOOD_PASSWORD, registerUser, verifiedUser } from "../../test-support/api";
import { seedAsset } from "../../test-support/assets";
import { sampleLiveTs } from "../../test-support/media";
import { seenAll } from "../../test-support/reels";
import { openedSocket, until } from "../../test-support/sockets";

interface Stream {
	id: string;
	ownerId: string;
	status: string;
	streamKey?: string;
	ingest: { websocket: string };
	playback: { hls: string };
	viewers: number;
	videoId: string;
	endReason: string | null;
}

async function createStream(token: string, body?: unknown): Promise<Stream> {
	const res = await api("/api/live", { method: "POST", token, ...(body === undefined ? {} : { json: body }) });
	expect(res.status).toBe(201);
	return (await res.json()) as Stream;
}

const connectPublisher = (s: Stream, key = s.streamKey as string) =>
	api(s.ingest.websocket, { headers: { upgrade: "websocket", "sec-websocket-protocol": `key.${key}` } });

const getStream = async (id: string, token?: string) => (await (await api(`/api/live/${id}`, token ? { token } : {})).json()) as Stream;

async function closeCodeOf(socket: ReturnType<typeof openedSocket>, timeoutMs = 8_000): Promise<number> {
	for (let waited = 0; socket.closes.length === 0 && waited < timeoutMs; waited += 50) await new Promise((r) => setTimeout(r, 50));
	return socket.closes[0]?.code ?? -1;
}

describe("live streams: the API", () => {
	it("creates an idle stream whose key only its owner sees, with where to publish and where to watch", async () => {
		const owner = await verifiedUser("Streamer");
		const s = await createStream(owner.accessToken, { title: "Evening swim" });
		expect(s).toMatchObject({ status: "idle", ownerId: owner.user.id, viewers: 0, ingest: { websocket: `/api/live/${s.id}/ingest` } });
		expect(s.streamKey).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
		expect(s.playback.hls).toMatch(/^\/cdn\/\d{4}\/\d{2}\/\d{2}\/[0-9a-f-]{36}\/hls\/master\.m3u8$/);
		expect(s.playback.hls).toContain(s.videoId);
		expect((await getStream(s.id)).streamKey).toBeUndefined();
		expect((await getStream(s.id, owner.accessToken)).streamKey).toBe(s.streamKey);
		const other = await verifiedUser("Viewer");
		expect((await getStream(s.id, other.accessToken)).streamKey).toBeUndefined();
		// No body at all is fine too.
		expect((await createStream(other.accessToken)).status).toBe("idle");
	});

	it("refuses anonymous creation, a bad body, and more open streams than the per-user limit", async () => {
		expect((await api("/api/live", { method: "POST" })).status).toBe(401);
		const user = await verifiedUser();
		const bad = await api("/api/live", { method: "POST", token: user.accessToken, json: { title: "x".repeat(500) } });
		expect(bad.status).toBe(400);
		expect(bad.headers.get("content-type")).toContain("application/problem+json");
		await createStream(user.accessToken);
		await createStream(user.accessToken);
		const third = await api("/api/live", { method: "POST", token: user.accessToken });
		expect(third.status).toBe(409);
		expect(await third.json()).toMatchObject({ code: "too_many_streams" });
	});

	it("refuses an account whose email is not verified", async () => {
		const fresh = await registerUser("Unverified");
		const res = await api("/api/live", { method: "POST", token: fresh.accessToken });
		expect(res.status).toBe(403);
		expect(await res.json()).toMatchObject({ code: "email_unverified" });
	});

	it("answers 404 problems for unknown and malformed ids", async () => {
		expect((await api(`/api/live/${crypto.randomUUID()}`)).status).toBe(404);
		expect((await api("/api/live/not-an-id")).status).toBe(400);
	});

	it("rotates the key for the owner only; the old key is refused before the upgrade", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		const stranger = await registerUser();
		expect((await api(`/api/live/${s.id}/key`, { method: "POST", token: stranger.accessToken })).status).toBe(403);
		const rotated = await api(`/api/live/${s.id}/key`, { method: "POST", token: owner.accessToken });
		expect(rotated.status).toBe(200);
		const fresh = (await rotated.json()) as Stream;
		expect(fresh.streamKey).not.toBe(s.streamKey);
		expect((await getStream(s.id, owner.accessToken)).streamKey).toBe(fresh.streamKey);
		const old = await connectPublisher(s);
		expect(old.status).toBe(401);
		expect(await old.json()).toMatchObject({ code: "invalid_stream_key" });
		const ok = openedSocket(await connectPublisher(fresh));
		ok.ws.close(1000, "bye");
	});
});

describe("live streams: encoder slots", () => {
	it("lets one account hold as many live encoders as its share, answering 429 with Retry-After past it", async () => {
		const owner = await verifiedUser();
		const first = await createStream(owner.accessToken);
		const second = await createStream(owner.accessToken);
		const vars = { LIVE_CONCURRENT_PER_USER: "1" };
		const connect = (s: Stream) =>
			api(s.ingest.websocket, { headers: { upgrade: "websocket", "sec-websocket-protocol": `key.${s.streamKey}` } }, vars);
		const ok = openedSocket(await connect(first));
		const refused = await connect(second);
		expect(refused.status).toBe(429);
		expect(refused.headers.get("retry-after")).toBe("60");
		expect(await refused.json()).toMatchObject({ code: "too_many_live_streams" });
		// The stream holding the slot may reconnect.
		ok.ws.close(1000, "bye");
		expect((await connect(first)).status).toBe(101);
	});

	it("refuses a stream when its owner has no storage room left", async () => {
		const owner = await verifiedUser();
		await seedAsset({ bytes: new Uint8Array(10), kind: "video", ownerId: owner.user.id });
		const res = await api("/api/live", { method: "POST", token: owner.accessToken }, { STORAGE_QUOTA_BYTES_PER_USER: "10" });
		expect(res.status).toBe(413);
		expect(await res.json()).toMatchObject({ code: "storage_quota_exceeded" });
	});
});

describe("live streams: ingest", () => {
	it("refuses a plain GET, a missing key and a wrong key before any upgrade", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		expect((await api(s.ingest.websocket)).status).toBe(426);
		expect((await api(s.ingest.websocket, { headers: { upgrade: "websocket" } })).status).toBe(401);
		expect((await connectPublisher(s, `sk_${"A".repeat(43)}`)).status).toBe(401);
		// ?key= works as well as the subprotocol.
		const viaQuery = await api(`${s.ingest.websocket}?key=${s.streamKey}`, { headers: { upgrade: "websocket" } });
		expect(viaQuery.status).toBe(101);
		openedSocket(viaQuery).ws.close(1000);
	});

	it("closes a publisher that sends bytes that are not media with 4415, and the stream ends with that reason", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		const pub = openedSocket(await connectPublisher(s));
		pub.ws.send(new TextEncoder().encode("<html>".repeat(100)));
		expect(await closeCodeOf(pub)).toBe(4415);
		for (let i = 0; i < 100 && (await getStream(s.id)).status !== "ended"; i++) await new Promise((r) => setTimeout(r, 50));
		expect(await getStream(s.id)).toMatchObject({ status: "ended", endReason: "not_media" });
		// An ended stream takes nobody: refused before the upgrade.
		const again = await connectPublisher(s);
		expect(again.status).toBe(409);
		expect(await again.json()).toMatchObject({ code: "stream_ended" });
		// Its recording failed: nothing was published.
		const video = await api(`/api/videos/${s.videoId}/status`, { token: owner.accessToken });
		expect(await video.json()).toMatchObject({ status: "failed" });
	});

	it("closes a text frame with 4400", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		const pub = openedSocket(await connectPublisher(s));
		pub.ws.send("hello");
		expect(await closeCodeOf(pub)).toBe(4400);
	});

	it("closes a publisher that floods tiny frames with 1008 (each frame costs a request to the encoder)", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		const pub = openedSocket(await connectPublisher(s));
		for (let i = 0; i < MAX_INGEST_FRAMES + 10; i++) pub.ws.send(new Uint8Array([0x47]));
		expect(await closeCodeOf(pub)).toBe(1008);
	});

	it("keeps every byte a publisher sent before closing normally, even those still queued for a busy encoder", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		const pub = openedSocket(await connectPublisher(s));
		// 6 s of media in 60 frames at once, then the normal close: the frames arrive far faster than the
		// encoder takes them (each is a request to it), so most are still queued when the close arrives.
		const ts = sampleLiveTs();
		const frame = Math.ceil(ts.byteLength / 60 / 188) * 188;
		for (let at = 0; at < ts.byteLength; at += frame) pub.ws.send(ts.subarray(at, at + frame));
		pub.ws.close(1000, "done");
		for (let i = 0; i < 400 && (await getStream(s.id)).status !== "ended"; i++) await new Promise((r) => setTimeout(r, 50));
		expect(await getStream(s.id)).toMatchObject({ status: "ended", endReason: "publisher_finished" });
		const video = await api(`/api/videos/${s.videoId}/status`, { token: owner.accessToken });
		const recorded = (await video.json()) as { status: string; duration: number };
		expect(recorded.status).toBe("ready");
		// All six seconds: one segment a second, the last closed by the end.
		expect(recorded.duration).toBeGreaterThan(5.5);
		expect(recorded.duration).toBeLessThan(6.5);
	});

	it("ends a stream whose publisher connects and sends nothing, closing it with 4408 after the grace period", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		const pub = openedSocket(await connectPublisher(s));
		expect(await closeCodeOf(pub, 10_000)).toBe(4408);
		for (let i = 0; i < 100 && (await getStream(s.id)).status !== "ended"; i++) await new Promise((r) => setTimeout(r, 50));
		expect(await getStream(s.id)).toMatchObject({ status: "ended", endReason: "stalled" });
	});
});

describe("live streams: the viewers' socket", () => {
	const watch = (id: string, token?: string) =>
		api(`/api/live/${id}/ws`, { headers: { upgrade: "websocket", ...(token ? { "sec-websocket-protocol": `bearer, ${token}` } : {}) } });

	it("welcomes viewers with the status and count, and tells everyone when the count changes", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		const a = openedSocket(await watch(s.id));
		await until(() => a.received.some((m) => m.type === "WELCOME"), "welcome");
		expect(a.received[0]).toMatchObject({ type: "WELCOME", data: { status: "idle", viewers: 1, chat: [] } });
		const b = openedSocket(await watch(s.id));
		await until(() => a.received.some((m) => m.type === "VIEWERS" && (m.data as { count: number }).count === 2), "count 2");
		expect((await getStream(s.id)).viewers).toBe(2);
		b.ws.close(1000);
		await until(() => a.received.some((m) => m.type === "VIEWERS" && (m.data as { count: number }).count === 1), "count 1");
		a.ws.close(1000);
	});

	it("coalesces count messages as a crowd arrives: at most one a second, not one per arrival", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		const first = openedSocket(await watch(s.id));
		await until(() => first.received.some((m) => m.type === "WELCOME"), "welcome");
		const started = Date.now();
		const crowd = await Promise.all(Array.from({ length: 15 }, async () => openedSocket(await watch(s.id))));
		await until(() => first.received.some((m) => m.type === "VIEWERS" && (m.data as { count: number }).count === 16), "count 16");
		const seconds = (Date.now() - started) / 1000;
		const counts = first.received.filter((m) => m.type === "VIEWERS").length;
		expect(counts).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
		expect(counts).toBeLessThan(15);
		for (const v of [first, ...crowd]) v.ws.close(1000);
	});

	it("lets signed-in viewers chat, tells anonymous ones to sign in, and slows a flood down", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		const fan = await registerUser("Fan");
		const anon = openedSocket(await watch(s.id));
		const signedIn = openedSocket(await watch(s.id, fan.accessToken));
		anon.ws.send(JSON.stringify({ type: "CHAT", text: "hi" }));
		await until(() => anon.received.some((m) => m.type === "ERROR"), "anonymous error");
		expect(anon.received.find((m) => m.type === "ERROR")).toMatchObject({ data: { code: "sign_in_to_chat" } });

		signedIn.ws.send(JSON.stringify({ type: "CHAT", text: "  hello\u0007 there  " }));
		await until(() => anon.received.some((m) => m.type === "CHAT"), "chat reaches others");
		expect(anon.received.find((m) => m.type === "CHAT")).toMatchObject({ data: { userId: fan.user.id, name: "Fan", text: "hello there" } });

		signedIn.ws.send(JSON.stringify({ type: "CHAT", text: "" }));
		await until(() => signedIn.received.some((m) => m.type === "ERROR"), "invalid chat");
		expect(signedIn.received.find((m) => m.type === "ERROR")).toMatchObject({ data: { code: "invalid_chat" } });
		for (let i = 0; i < 6; i++) signedIn.ws.send(JSON.stringify({ type: "CHAT", text: `spam ${i}` }));
		await until(() => signedIn.received.some((m) => (m.data as { code?: string })?.code === "slow_down"), "slow down");

		// A later viewer gets the recent chat.
		const late = openedSocket(await watch(s.id));
		await until(() => late.received.some((m) => m.type === "WELCOME"), "welcome");
		const welcome = late.received[0] as { type: string; data: { chat: { text: string }[] } } | undefined;
		expect(welcome?.type).toBe("WELCOME");
		expect(welcome?.data.chat[0]?.text).toBe("hello there");
		for (const x of [anon, signedIn, late]) x.ws.close(1000);
	});

	it("puts a crowded room's chat in slow mode: its messages times its viewers stay within the budget", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		const fan = await registerUser("Fan");
		const chatter = openedSocket(await watch(s.id, fan.accessToken));
		// The tests' budget is 40 sends a second (vitest.config.ts): with 41 watching the room takes one message a second.
		const crowd = await Promise.all(Array.from({ length: 40 }, async () => openedSocket(await watch(s.id))));
		await until(() => chatter.received.some((m) => m.type === "VIEWERS" && (m.data as { count: number }).count === 41), "count 41");
		chatter.ws.send(JSON.stringify({ type: "CHAT", text: "first" }));
		chatter.ws.send(JSON.stringify({ type: "CHAT", text: "second" }));
		await until(() => chatter.received.some((m) => m.type === "ERROR"), "slow mode");
		expect(chatter.received.find((m) => m.type === "ERROR")).toMatchObject({ data: { code: "chat_busy" } });
		const watcher = crowd[0] as (typeof crowd)[number];
		await until(() => watcher.received.some((m) => m.type === "CHAT"), "the first message reaches the crowd");
		expect(watcher.received.filter((m) => m.type === "CHAT").map((m) => (m.data as { text: string }).text)).toEqual(["first"]);
		for (const v of [chatter, ...crowd]) v.ws.close(1000);
	});

	it("closes a session's viewer sockets at once when it signs out (4003), and leaves its other sessions' alone", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		const fan = await registerUser("Fan");
		const login = await api("/api/auth/login", { method: "POST", json: { email: fan.email, password: GOOD_PASSWORD } });
		const other = ((await login.json()) as { accessToken: string }).accessToken;
		const watching = openedSocket(await watch(s.id, fan.accessToken));
		const elsewhere = openedSocket(await watch(s.id, other));
		await until(() => watching.received.some((m) => m.type === "WELCOME") && elsewhere.received.some((m) => m.type === "WELCOME"));
		expect((await api("/api/auth/logout", { method: "POST", token: fan.accessToken })).status).toBe(204);
		expect(await closeCodeOf(watching)).toBe(4003);
		elsewhere.ws.send(JSON.stringify({ type: "CHAT", text: "still here" }));
		await until(() => elsewhere.received.some((m) => m.type === "CHAT"), "the other session still chats");
		expect(elsewhere.closes).toEqual([]);
		elsewhere.ws.close(1000);
	});

	it("keeps someone the streamer blocked out of the stream (404), as from the streamer's reels", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		const pest = await registerUser();
		expect((await api(`/api/users/${pest.user.id}/block`, { method: "POST", token: owner.accessToken })).status).toBe(200);
		const watching = await api(`/api/live/${s.id}/ws`, {
			headers: { upgrade: "websocket", "sec-websocket-protocol": `bearer, ${pest.accessToken}`, ...(await seenAll()) },
		});
		expect(watching.status).toBe(404);
		const other = openedSocket(await watch(s.id, (await registerUser()).accessToken));
		other.ws.close(1000);
	});

	it("closes a viewer that sends a frame over 1 KiB (1009) or floods (1008)", async () => {
		const owner = await verifiedUser();
		const s = await createStream(owner.accessToken);
		const big = openedSocket(await watch(s.id));
		big.ws.send("x".repeat(2048));
		expect(await closeCodeOf(big)).toBe(1009);
		const flood = openedSocket(await watch(s.id));
		for (let i = 0; i < 25; i++) flood.ws.send("{}");
		expect(await closeCodeOf(flood)).toBe(1008);
	});
});
