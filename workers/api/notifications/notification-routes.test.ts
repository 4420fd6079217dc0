import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../../lib/postgres/routed-database";
import { publish } from "../../realtime/publish";
import { api, registerUser } from "../../test-support/api";
import { inboxOf } from "../../test-support/inbox";
import { json, postReel, seenAll } from "../../test-support/reels";
import { setRole } from "../../test-support/roles";
import { openedSocket, until } from "../../test-support/sockets";

type Page = {
	items: { id: string; type: string; data: { n: number }; readAt: string | null }[];
	nextCursor: string | null;
	unread: number;
};

async function notify(userId: string, count: number) {
	return withDatabase(env, async (db) => {
		for (let n = 1; n <= count; n++) await publish(env, db, { userIds: [userId] }, { type: "NEW_FOLLOWER", data: { n } });
		return (await db.consistencyToken()) ?? "";
	});
}

describe("/api/notifications (the offline inbox)", () => {
	it("keeps what was published while the user was offline, newest first, with keyset pages", async () => {
		const s = await registerUser();
		const lsn = await notify(s.user.id, 3);
		const headers = { "x-consistency-token": lsn };
		const first = (await (await api("/api/notifications?limit=2", { token: s.accessToken, headers })).json()) as Page;
		expect(first.items.map((i) => i.data.n)).toEqual([3, 2]);
		expect(first.unread).toBe(3);
		const second = (await (
			await api(`/api/notifications?limit=2&cursor=${first.nextCursor}`, { token: s.accessToken, headers })
		).json()) as Page;
		expect(second.items.map((i) => i.data.n)).toEqual([1]);
		expect(second.nextCursor).toBeNull();
	});

	it("marks chosen ones read, then all, idempotently, and lists unread only on request", async () => {
		const s = await registerUser();
		const lsn = await notify(s.user.id, 3);
		const list = (await (
			await api("/api/notifications", { token: s.accessToken, headers: { "x-consistency-token": lsn } })
		).json()) as Page;
		const newest = list.items[0]?.id ?? "";
		const one = await api("/api/notifications/read", { method: "POST", token: s.accessToken, json: { ids: [newest] } });
		expect(await one.json()).toEqual({ updated: 1 });
		const again = await api("/api/notifications/read", { method: "POST", token: s.accessToken, json: { ids: [newest] } });
		expect(await again.json()).toEqual({ updated: 0 });
		const token = { "x-consistency-token": again.headers.get("x-consistency-token") ?? one.headers.get("x-consistency-token") ?? "" };
		const unread = (await (await api("/api/notifications?unread=true", { token: s.accessToken, headers: token })).json()) as Page;
		expect(unread.items.map((i) => i.data.n)).toEqual([2, 1]);
		const all = await api("/api/notifications/read", { method: "POST", token: s.accessToken, json: { all: true } });
		expect(await all.json()).toEqual({ updated: 2 });
	});

	it("never shows or changes another user's notifications", async () => {
		const owner = await registerUser();
		const other = await registerUser();
		const lsn = await notify(owner.user.id, 1);
		const mine = (await (
			await api("/api/notifications", { token: owner.accessToken, headers: { "x-consistency-token": lsn } })
		).json()) as Page;
		const theirs = (await (
			await api("/api/notifications", { token: other.accessToken, headers: { "x-consistency-token": lsn } })
		).json()) as Page;
		expect(theirs.items).toEqual([]);
		const res = await api("/api/notifications/read", { method: "POST", token: other.accessToken, json: { ids: [mine.items[0]?.id] } });
		expect(await res.json()).toEqual({ updated: 0 });
	});

	it("answers bad input with 400 and anonymous callers with 401", async () => {
		const s = await registerUser();
		expect((await api("/api/notifications")).status).toBe(401);
		expect((await api("/api/notifications?cursor=bm90LWEtdXVpZA", { token: s.accessToken })).status).toBe(400);
		expect((await api("/api/notifications?limit=1000", { token: s.accessToken })).status).toBe(400);
		for (const json of [{}, { ids: [] }, { ids: ["x"] }, { all: false }, { all: true, ids: [crypto.randomUUID()] }]) {
			expect((await api("/api/notifications/read", { method: "POST", token: s.accessToken, json })).status, JSON.stringify(json)).toBe(400);
		}
	});
});

type Item = {
	type: string;
	data: Record<string, unknown>;
	actor: { id: string; name: string; handle: string; avatarUrl: string | null } | null;
	link: string | null;
};
const inbox = async (token: string) =>
	(await json<{ items: Item[] }>(await api("/api/notifications", { token, headers: await seenAll() }))).items;

describe("what an inbox item says", () => {
	it("names who did it as they are now (name, handle, avatar) and links where it happened", async () => {
		const author = await registerUser();
		const fan = await registerUser("Fan Before");
		const reel = await postReel(author);
		await api(`/api/reels/${reel.id}/like`, { method: "POST", token: fan.accessToken });
		await api(`/api/users/${author.user.id}/follow`, { method: "POST", token: fan.accessToken });
		await api("/api/users/me", { method: "PATCH", token: fan.accessToken, json: { name: "Fan After" } });
		const fanHandle = (await json<{ handle: string }>(await api("/api/users/me", { token: fan.accessToken }))).handle;
		const items = await inbox(author.accessToken);
		const liked = items.find((i) => i.type === "REEL_LIKED");
		expect(liked).toMatchObject({
			actor: { id: fan.user.id, name: "Fan After", handle: fanHandle, avatarUrl: null },
			link: `/reel/${reel.id}`,
		});
		expect(items.find((i) => i.type === "NEW_FOLLOWER")).toMatchObject({ actor: { id: fan.user.id }, link: `/@${fanHandle}` });
	});

	it("leaves out what an account you blocked did", async () => {
		const author = await registerUser();
		const pest = await registerUser();
		const reel = await postReel(author);
		await api(`/api/reels/${reel.id}/like`, { method: "POST", token: pest.accessToken });
		expect((await inbox(author.accessToken)).map((i) => i.type)).toContain("REEL_LIKED");
		expect((await api(`/api/users/${pest.user.id}/block`, { method: "POST", token: author.accessToken })).status).toBe(200);
		expect((await inbox(author.accessToken)).map((i) => i.type)).not.toContain("REEL_LIKED");
		// Nor counted as unread.
		const page = await json<{ unread: number }>(await api("/api/notifications", { token: author.accessToken, headers: await seenAll() }));
		expect(page.unread).toBe(0);
	});

	it("keeps progress off the inbox but sends it to the uploader's sockets", async () => {
		const s = await registerUser();
		const socket = openedSocket(await api(`/ws?token=${s.accessToken}`, { headers: { upgrade: "websocket" } }));
		const sent = await withDatabase(env, (db) =>
			publish(env, db, { userIds: [s.user.id] }, { type: "TRANSCODE_PROGRESS", data: { assetId: crypto.randomUUID(), progress: 0.4 } }),
		);
		expect(sent).toEqual({ stored: 0, delivered: 1 });
		await until(() => socket.received.some((m) => m.type === "TRANSCODE_PROGRESS"), "progress on the socket");
		expect(await inboxOf(s.user.id, "TRANSCODE_PROGRESS")).toEqual([]);
		expect((await json<{ unread: number }>(await api("/api/notifications", { token: s.accessToken }))).unread).toBe(0);
		socket.ws.close(1000);
	});
});

describe("/api/realtime (admin)", () => {
	it("reports connections per shard and the ring's balance to admins only", async () => {
		const s = await registerUser();
		expect((await api("/api/realtime/stats", { token: s.accessToken })).status).toBe(403);
		const lsn = await setRole(s.user.id, "admin");
		const res = await api("/api/realtime/stats", { token: s.accessToken, headers: { "x-consistency-token": lsn } });
		expect(res.status).toBe(200);
		const body = (await res.json()) as { shards: { ringShare: number }[]; ring: { shards: number; maxShareOverMean: number } };
		expect(body.shards).toHaveLength(16);
		expect(body.ring.shards).toBe(16);
		expect(body.ring.maxShareOverMean).toBeLessThan(1.2);
		expect(body.shards.reduce((a, s) => a + s.ringShare, 0)).toBeCloseTo(1, 6);
		const bad = await api("/api/realtime/broadcast", {
			method: "POST",
			token: s.accessToken,
			headers: { "x-consistency-token": lsn },
			json: { topic: "Not OK", data: {} },
		});
		expect(bad.status).toBe(400);
	});
});
