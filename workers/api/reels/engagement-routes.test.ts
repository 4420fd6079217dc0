import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../../lib/postgres/routed-database";
import { api, registerUser, type Session } from "../../test-support/api";
import { inboxOf } from "../../test-support/inbox";
import { json, postReel, type Reel, sawWrite, seenAll } from "../../test-support/reels";
import { backdateAccount, setRole } from "../../test-support/roles";
import { foldCounters } from "./counter-shards";

const like = (reelId: string, who: Session, method: "POST" | "DELETE" = "POST") =>
	api(`/api/reels/${reelId}/like`, { method, token: who.accessToken });

describe("likes", () => {
	it("counts a like once however often it is sent, unlikes, and tells the author once", async () => {
		const author = await registerUser();
		const fan = await registerUser("Fan");
		const reel = await postReel(author);
		expect(await json(await like(reel.id, fan))).toEqual({ liked: true, likeCount: 1 });
		expect(await json(await like(reel.id, fan))).toEqual({ liked: true, likeCount: 1 });
		const seen = await json<Reel>(await api(`/api/reels/${reel.id}`, { token: fan.accessToken, headers: await seenAll() }));
		expect(seen).toMatchObject({ likeCount: 1, liked: true });
		expect(await json(await like(reel.id, fan, "DELETE"))).toEqual({ liked: false, likeCount: 0 });
		expect(await json(await like(reel.id, fan, "DELETE"))).toEqual({ liked: false, likeCount: 0 });
		await like(reel.id, fan); // liked again: no second REEL_LIKED
		const events = await inboxOf(author.user.id, "REEL_LIKED");
		expect(events.map((e) => e.data)).toEqual([{ reelId: reel.id, userId: fan.user.id, likeCount: 1 }]);
		// Your own like does not notify you.
		await like(reel.id, author);
		expect(await inboxOf(author.user.id, "REEL_LIKED")).toHaveLength(1);
	});

	it("stays exact when 50 people like at once", { timeout: 60_000 }, async () => {
		const author = await registerUser();
		const reel = await postReel(author);
		const fans: Session[] = [];
		for (let i = 0; i < 50; i++) fans.push(await registerUser(`Fan ${i}`));
		const results = await Promise.all(fans.map((f) => like(reel.id, f)));
		expect(results.map((r) => r.status)).toEqual(fans.map(() => 200));
		const counts = await Promise.all(results.map((r) => json<{ likeCount: number }>(r)));
		// Each answer is the count as that like saw it (likes committing at the same moment may not see each other)...
		for (const c of counts) expect(c.likeCount).toBeGreaterThanOrEqual(1);
		expect(Math.max(...counts.map((c) => c.likeCount))).toBeLessThanOrEqual(50);
		// ...and the count is exact once they are in: none lost or counted twice.
		expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).likeCount).toBe(50);
		// The crowd spread over shard rows, not the reel's own: no single row lock queued them all.
		const rows = await withDatabase(env, (db) =>
			db.readFromPrimary((q) =>
				q.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM reel_counter_shards WHERE reel_id = ${reel.id}`),
			),
		);
		expect(rows.rows[0]?.n).toBeGreaterThan(4);
		// Folding the shards into the reel (the every-minute cron) changes no count.
		await foldCounters(env);
		expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).likeCount).toBe(50);
		const again = await Promise.all(fans.slice(0, 10).map((f) => like(reel.id, f, "DELETE")));
		expect(again.every((r) => r.status === 200)).toBe(true);
		expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).likeCount).toBe(40);
	});

	it("answers 404 for a missing, malformed-free or hidden reel, and 401 when anonymous", async () => {
		const fan = await registerUser();
		expect((await like(crypto.randomUUID(), fan)).status).toBe(404);
		expect((await like("not-a-uuid", fan)).status).toBe(400);
		const author = await registerUser();
		const reel = await postReel(author);
		expect((await api(`/api/reels/${reel.id}/like`, { method: "POST" })).status).toBe(401);
		const reporters = [await registerUser(), await registerUser(), await registerUser()];
		for (const r of reporters) {
			await backdateAccount(r.user.id); // reports of brand-new accounts weigh nothing
			await api(`/api/reels/${reel.id}/report`, { method: "POST", token: r.accessToken, json: { reason: "spam" } });
		}
		expect((await like(reel.id, fan)).status).toBe(404);
	});
});

describe("views", () => {
	it("counts once per viewer per hour: a signed-in user, or an address", async () => {
		const author = await registerUser();
		const viewer = await registerUser();
		const reel = await postReel(author);
		const view = (init: { token?: string; ip?: string }) =>
			api(`/api/reels/${reel.id}/views`, { method: "POST", token: init.token, headers: init.ip ? { "cf-connecting-ip": init.ip } : {} });
		expect(await json(await view({ token: viewer.accessToken }))).toEqual({ counted: true, viewCount: 1 });
		expect(await json(await view({ token: viewer.accessToken }))).toEqual({ counted: false, viewCount: 1 });
		expect(await json(await view({ ip: "203.0.113.7" }))).toEqual({ counted: true, viewCount: 2 });
		expect(await json(await view({ ip: "203.0.113.7" }))).toEqual({ counted: false, viewCount: 2 });
		expect(await json(await view({ ip: "203.0.113.8" }))).toEqual({ counted: true, viewCount: 3 });
		expect((await api(`/api/reels/${crypto.randomUUID()}/views`, { method: "POST" })).status).toBe(404);
		const bad = await api("/api/reels/not-a-uuid/views", { method: "POST" });
		expect(bad.status).toBe(400);
		expect(bad.headers.get("content-type")).toMatch(/problem\+json/);
	});
});

describe("comments", () => {
	it("adds, lists newest first, counts, notifies the author, and retries safely with an Idempotency-Key", async () => {
		const author = await registerUser();
		const fan = await registerUser("Commenter");
		const reel = await postReel(author);
		const post = (text: string, key?: string) =>
			api(`/api/reels/${reel.id}/comments`, {
				method: "POST",
				token: fan.accessToken,
				json: { text },
				headers: key ? { "idempotency-key": key } : {},
			});
		const first = await post("first!");
		expect(first.status).toBe(201);
		const key = crypto.randomUUID();
		const second = await post("second", key);
		expect(second.status).toBe(201);
		const retried = await post("second", key);
		expect(retried.status).toBe(200);
		expect((await json<{ id: string }>(retried)).id).toBe((await json<{ id: string }>(second)).id);

		const page = await json<{ items: { text: string; author: { name: string } }[]; nextCursor: string | null }>(
			await api(`/api/reels/${reel.id}/comments?limit=1`, { headers: await seenAll() }),
		);
		expect(page.items).toEqual([expect.objectContaining({ text: "second", author: expect.objectContaining({ name: "Commenter" }) })]);
		const rest = await json<{ items: { text: string }[] }>(
			await api(`/api/reels/${reel.id}/comments?cursor=${page.nextCursor}`, { headers: await seenAll() }),
		);
		expect(rest.items.map((c) => c.text)).toEqual(["first!"]);
		expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).commentCount).toBe(2);
		expect(await inboxOf(author.user.id, "NEW_COMMENT")).toHaveLength(2);
	});

	it("refuses empty or long comments and comments on missing reels", async () => {
		const author = await registerUser();
		const reel = await postReel(author);
		const post = (reelId: string, body: unknown) =>
			api(`/api/reels/${reelId}/comments`, { method: "POST", token: author.accessToken, json: body });
		expect((await post(reel.id, { text: "   " })).status).toBe(400);
		expect((await post(reel.id, { text: "x".repeat(1001) })).status).toBe(400);
		expect((await post(reel.id, { text: "ok", extra: 1 })).status).toBe(400);
		expect((await post(crypto.randomUUID(), { text: "ok" })).status).toBe(404);
		expect((await api(`/api/reels/${crypto.randomUUID()}/comments`)).status).toBe(404);
	});

	it("lets the comment's author, the reel's author or an admin delete it, and nobody else", async () => {
		const author = await registerUser();
		const fan = await registerUser();
		const stranger = await registerUser();
		const admin = await registerUser();
		// The admin's requests carry the role change's token, so the replica cannot answer with the old role.
		const asAdmin = sawWrite(await setRole(admin.user.id, "admin"));
		const reel = await postReel(author);
		const comment = async () =>
			(
				await json<{ id: string }>(
					await api(`/api/reels/${reel.id}/comments`, { method: "POST", token: fan.accessToken, json: { text: "hey" } }),
				)
			).id;
		const del = (id: string, who: Session) =>
			api(`/api/comments/${id}`, { method: "DELETE", token: who.accessToken, headers: who === admin ? asAdmin : {} });
		const a = await comment();
		expect((await del(a, stranger)).status).toBe(403);
		expect((await del(a, fan)).status).toBe(204);
		expect((await del(a, fan)).status).toBe(404);
		expect((await del(await comment(), author)).status).toBe(204);
		expect((await del(await comment(), admin)).status).toBe(204);
		expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).commentCount).toBe(0);
	});
});
