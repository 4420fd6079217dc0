import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../../lib/postgres/routed-database";
import { api, registerUser, type Session } from "../../test-support/api";
import { inboxOf } from "../../test-support/inbox";
import { json, playableVideoOf, postReel, type Reel, sawWrite, seenAll } from "../../test-support/reels";
import { backdateAccount, setRole } from "../../test-support/roles";
import { foldCounters } from "./counter-shards";

const like = (reelId: string, who: Session, method: "POST" | "DELETE" = "POST") =>
	api(`/api/reels/${reelId}/like`, { method, token: who.accessToken });

describe("likes", () => {
	it("counts a like once however often it is sent, unlikes, and tells the author once", async () => {
		const author = await registerUser();
		const fan = await registerUser("Fan");
		const reel = await postReel(author);
		const first = await like(reel.id, fan);
		expect(await json(first)).toEqual({ liked: true, likeCount: 1 });
		// One statement on the primary for the like, its counter and its event, and one for the consistency token.
		expect(first.headers.get("x-request-cost")).toMatch(/^primary=2, replica=0, /);
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

	it("counts a view only of a reel the viewer may see: a follower's of a followers-only reel, never a blocked account's", async () => {
		const author = await registerUser();
		const follower = await registerUser();
		const stranger = await registerUser();
		const blocked = await registerUser();
		await api("/api/users/me", { method: "PATCH", token: author.accessToken, json: { private: true } });
		await api(`/api/users/${author.user.id}/follow`, { method: "POST", token: follower.accessToken });
		await api(`/api/users/me/follow-requests/${follower.user.id}`, { method: "POST", token: author.accessToken, json: { approve: true } });
		const video = await playableVideoOf(author);
		const forFans = await json<Reel>(
			await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: video.id, visibility: "followers" } }),
		);
		const view = async (reelId: string, who?: Session) =>
			api(`/api/reels/${reelId}/views`, { method: "POST", token: who?.accessToken, headers: await seenAll() });
		expect(await json(await view(forFans.id, follower))).toEqual({ counted: true, viewCount: 1 });
		expect((await view(forFans.id, stranger)).status).toBe(404);
		expect((await view(forFans.id)).status).toBe(404);

		const open = await postReel(author);
		expect((await api(`/api/users/${blocked.user.id}/block`, { method: "POST", token: author.accessToken })).status).toBe(200);
		expect((await view(open.id, blocked)).status).toBe(404);
		expect(await json(await view(open.id, stranger))).toEqual({ counted: true, viewCount: 1 });
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

	describe("replies", () => {
		type Comment = { id: string; parentId: string | null; replyCount: number; text: string };
		const post = async (reelId: string, who: Session, text: string, replyTo?: string) =>
			api(`/api/reels/${reelId}/comments`, { method: "POST", token: who.accessToken, json: replyTo ? { text, replyTo } : { text } });
		const posted = async (reelId: string, who: Session, text: string, replyTo?: string) => {
			const res = await post(reelId, who, text, replyTo);
			expect(res.status).toBe(201);
			return json<Comment>(res);
		};
		const replies = async (commentId: string, who?: Session) =>
			api(`/api/comments/${commentId}/replies`, { token: who?.accessToken, headers: await seenAll() });

		it("threads replies one level deep, lists them oldest first and counts them, and tells the person answered", async () => {
			const author = await registerUser();
			const ada = await registerUser("Ada");
			const bo = await registerUser("Bo");
			const reel = await postReel(author);
			const top = await posted(reel.id, ada, "first");
			const r1 = await posted(reel.id, bo, "a reply", top.id);
			// A reply to a reply joins the thread of its top-level comment.
			const r2 = await posted(reel.id, ada, "a reply to the reply", r1.id);
			expect([r1.parentId, r2.parentId]).toEqual([top.id, top.id]);

			const list = await json<{ items: Comment[] }>(await api(`/api/reels/${reel.id}/comments`, { headers: await seenAll() }));
			expect(list.items.map((c) => [c.text, c.replyCount])).toEqual([["first", 2]]);
			const thread = await json<{ items: Comment[] }>(await replies(top.id));
			expect(thread.items.map((c) => c.text)).toEqual(["a reply", "a reply to the reply"]);
			// The reel counts every comment, replies too.
			expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).commentCount).toBe(3);

			// Ada hears of Bo's reply; Bo of Ada's; nobody of their own. The reel's author hears of each once.
			expect((await inboxOf(ada.user.id, "COMMENT_REPLY")).map((n) => n.data)).toEqual([
				{ reelId: reel.id, commentId: r1.id, replyTo: top.id, threadId: top.id, authorId: bo.user.id, text: "a reply" },
			]);
			expect((await inboxOf(bo.user.id, "COMMENT_REPLY")).map((n) => (n.data as { commentId: string }).commentId)).toEqual([r2.id]);
			expect(await inboxOf(author.user.id, "NEW_COMMENT")).toHaveLength(3);
			// A reply to the reel author's own comment tells them once (a reply), not twice.
			const own = await posted(reel.id, author, "thanks all");
			await posted(reel.id, bo, "welcome", own.id);
			expect(await inboxOf(author.user.id, "COMMENT_REPLY")).toHaveLength(1);
			expect(await inboxOf(author.user.id, "NEW_COMMENT")).toHaveLength(3);
		});

		it("refuses a reply to a comment that is not on the reel, and reads no thread of a reel the caller may not see", async () => {
			const author = await registerUser();
			const fan = await registerUser();
			const reel = await postReel(author);
			const other = await postReel(author);
			const elsewhere = await posted(other.id, fan, "on the other reel");
			const wrongReel = await post(reel.id, fan, "hi", elsewhere.id);
			expect(wrongReel.status).toBe(404);
			expect((await json<{ code: string }>(wrongReel)).code).toBe("comment_not_found");
			expect((await post(reel.id, fan, "hi", crypto.randomUUID())).status).toBe(404);
			expect((await post(reel.id, fan, "hi", "not-a-uuid")).status).toBe(400);
			expect((await replies(crypto.randomUUID())).status).toBe(404);

			// A private reel's thread is a 404 to anyone but its author, as the reel is.
			const top = await posted(reel.id, author, "mine");
			await api(`/api/reels/${reel.id}`, { method: "PATCH", token: author.accessToken, json: { visibility: "private" } });
			// The same problem as an unknown comment: a hidden reel's comment ids say nothing.
			const hidden = await replies(top.id, fan);
			expect(hidden.status).toBe(404);
			expect(await hidden.json()).toMatchObject({ code: "comment_not_found" });
			expect((await replies(top.id)).status).toBe(404);
			expect((await replies(top.id, author)).status).toBe(200);
		});

		it("does not tell someone of a reply when either of them blocked the other", async () => {
			const author = await registerUser();
			const ada = await registerUser();
			const pest = await registerUser();
			const reel = await postReel(author);
			const top = await posted(reel.id, ada, "hello");
			expect((await api(`/api/users/${pest.user.id}/block`, { method: "POST", token: ada.accessToken })).status).toBe(200);
			await posted(reel.id, pest, "ignore the block", top.id);
			expect(await inboxOf(ada.user.id, "COMMENT_REPLY")).toEqual([]);
		});

		it("deletes a comment with its replies, and the reel's count drops by all of them", async () => {
			const author = await registerUser();
			const fan = await registerUser();
			const reel = await postReel(author);
			const top = await posted(reel.id, fan, "top");
			const r1 = await posted(reel.id, author, "reply 1", top.id);
			await posted(reel.id, fan, "reply 2", top.id);
			await posted(reel.id, fan, "another top");
			// A reply deleted alone takes one from the count.
			expect((await api(`/api/comments/${r1.id}`, { method: "DELETE", token: author.accessToken })).status).toBe(204);
			expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).commentCount).toBe(3);
			expect((await api(`/api/comments/${top.id}`, { method: "DELETE", token: fan.accessToken })).status).toBe(204);
			expect((await replies(top.id)).status).toBe(404);
			expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).commentCount).toBe(1);
			await foldCounters(env);
			expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).commentCount).toBe(1);
		});

		it("never leaves a reply to a deleted comment when both race: each reply is in the count or refused with 404", async () => {
			const author = await registerUser();
			const fans: Session[] = [];
			for (let i = 0; i < 8; i++) fans.push(await registerUser());
			const reel = await postReel(author);
			const top = await posted(reel.id, author, "going away");
			// Replies to the comment and to a reply of it (which once locked in the opposite order to the delete).
			const inThread = await posted(reel.id, author, "a reply in the thread", top.id);
			const [deleted, ...answers] = await Promise.all([
				api(`/api/comments/${top.id}`, { method: "DELETE", token: author.accessToken }),
				...fans.map((f, i) => post(reel.id, f, "quick", i % 2 ? top.id : inThread.id)),
			]);
			expect(deleted?.status).toBe(204);
			for (const a of answers) expect([201, 404]).toContain(a.status);
			const orphans = await withDatabase(env, (db) =>
				db.readFromPrimary((q) => q.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM comments WHERE reel_id = ${reel.id}`)),
			);
			expect(orphans.rows[0]?.n).toBe(0);
			expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).commentCount).toBe(0);
		});

		it("counts each comment off once when a thread and one of its replies are deleted at the same moment", async () => {
			const author = await registerUser();
			const fan = await registerUser();
			const reel = await postReel(author);
			for (let round = 0; round < 5; round++) {
				const top = await posted(reel.id, fan, `top ${round}`);
				const reply = await posted(reel.id, author, `reply ${round}`, top.id);
				const [a, b] = await Promise.all([
					api(`/api/comments/${top.id}`, { method: "DELETE", token: fan.accessToken }),
					api(`/api/comments/${reply.id}`, { method: "DELETE", token: author.accessToken }),
				]);
				expect(a.status).toBe(204);
				expect([204, 404]).toContain(b.status);
			}
			// Not -1 and the like: and the every-minute fold, which a negative count would stop for every reel, goes through.
			expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).commentCount).toBe(0);
			await foldCounters(env);
			expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).commentCount).toBe(0);
		});

		it("answers a retry with the comment it made, whatever its replyTo says now; mentions the person answered only as a reply", async () => {
			const author = await registerUser();
			const ada = await registerUser("Ada");
			const reel = await postReel(author);
			const top = await posted(reel.id, ada, "first");
			const answered = await posted(reel.id, ada, "and more", top.id);
			const key = crypto.randomUUID();
			const { handle } = await json<{ handle: string }>(await api("/api/users/me", { token: ada.accessToken }));
			const send = (replyTo: string) =>
				api(`/api/reels/${reel.id}/comments`, {
					method: "POST",
					token: author.accessToken,
					json: { text: `thanks @${handle}`, replyTo },
					headers: { "idempotency-key": key },
				});
			const first = await send(answered.id);
			expect(first.status).toBe(201);
			const made = await json<Comment>(first);
			// The comment answered goes (the reply stays, in its thread); the retry still finds the reply it made.
			expect((await api(`/api/comments/${answered.id}`, { method: "DELETE", token: ada.accessToken })).status).toBe(204);
			const again = await send(answered.id);
			expect(again.status).toBe(200);
			expect((await json<Comment>(again)).id).toBe(made.id);
			expect(await inboxOf(ada.user.id, "COMMENT_REPLY")).toHaveLength(1);
			expect(await inboxOf(ada.user.id, "MENTIONED")).toEqual([]);
		});
	});
});
