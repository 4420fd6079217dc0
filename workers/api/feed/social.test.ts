// Follows, the feed, hashtags, search and moderation, against the real primary + replica.
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../../lib/postgres/routed-database";
import { api, type Session } from "../../test-support/api";
import { inboxOf } from "../../test-support/inbox";
import { json, person, postReel, type Reel, sawWrite, seenAll, videoOf } from "../../test-support/reels";
import { backdateAccount, setRole } from "../../test-support/roles";
import { refreshTrending } from "./trending";

const follow = (who: Session, target: string, method: "POST" | "DELETE" = "POST") =>
	api(`/api/users/${target}/follow`, { method, token: who.accessToken });

describe("follows", () => {
	it("follows idempotently with exact counts, lists both ways, unfollows, and notifies once", async () => {
		const creator = await person("Creator");
		const fans = [await person("Fan"), await person("Fan"), await person("Fan")];
		for (const f of fans)
			expect(await json(await follow(f, creator.user.id))).toEqual({
				following: true,
				requested: false,
				followerCount: fans.indexOf(f) + 1,
			});
		expect(await json(await follow(fans[0] as Session, creator.user.id))).toEqual({ following: true, requested: false, followerCount: 3 });

		const first = await json<{ items: { id: string }[]; nextCursor: string }>(
			await api(`/api/users/${creator.user.id}/followers?limit=2`, { headers: await seenAll() }),
		);
		const second = await json<{ items: { id: string }[]; nextCursor: null }>(
			await api(`/api/users/${creator.user.id}/followers?limit=2&cursor=${first.nextCursor}`, { headers: await seenAll() }),
		);
		expect([...first.items, ...second.items].map((u) => u.id)).toEqual(fans.map((f) => f.user.id).reverse());
		expect(second.nextCursor).toBeNull();
		const following = await json<{ items: { id: string }[] }>(
			await api(`/api/users/${fans[1]?.user.id}/following`, { headers: await seenAll() }),
		);
		expect(following.items.map((u) => u.id)).toEqual([creator.user.id]);

		expect(await json(await follow(fans[2] as Session, creator.user.id, "DELETE"))).toEqual({
			following: false,
			requested: false,
			followerCount: 2,
		});
		expect(await json(await follow(fans[2] as Session, creator.user.id, "DELETE"))).toEqual({
			following: false,
			requested: false,
			followerCount: 2,
		});
		await follow(fans[2] as Session, creator.user.id); // again: no second NEW_FOLLOWER from this fan
		expect(await inboxOf(creator.user.id, "NEW_FOLLOWER")).toHaveLength(3);
	});

	it("refuses following yourself or nobody, and bad cursors", async () => {
		const me = await person();
		expect((await follow(me, me.user.id)).status).toBe(400);
		expect((await follow(me, crypto.randomUUID())).status).toBe(404);
		expect((await api(`/api/users/${crypto.randomUUID()}/followers`)).status).toBe(404);
		expect((await api(`/api/users/${me.user.id}/followers?cursor=abc`)).status).toBe(400);
	});

	it("stays exact when two people follow each other at the same moment", async () => {
		const a = await person();
		const b = await person();
		const [x, y] = await Promise.all([follow(a, b.user.id), follow(b, a.user.id)]);
		expect([x.status, y.status]).toEqual([200, 200]);
		const profile = async (s: Session) => (await follow(s, s === a ? b.user.id : a.user.id)).json();
		expect(await profile(a)).toEqual({ following: true, requested: false, followerCount: 1 });
		expect(await profile(b)).toEqual({ following: true, requested: false, followerCount: 1 });
	});
});

describe("feed", () => {
	it("mixes followed creators' reels with trending ones, never repeating a reel across pages", { timeout: 60_000 }, async () => {
		const viewer = await person("Viewer");
		const followed = await person("Followed");
		const other = await person("Other");
		await follow(viewer, followed.user.id);
		const mine = [];
		for (let i = 0; i < 4; i++) mine.push(await postReel(followed, `followed ${i}`));
		const hot = await postReel(other, "hot #trend");
		await api(`/api/reels/${hot.id}/like`, { method: "POST", token: viewer.accessToken });
		await refreshTrending(env);

		const items: (Reel & { source: string })[] = [];
		let cursor: string | null = null;
		for (let i = 0; i < 400 && (i === 0 || cursor); i++) {
			const res = await api(`/api/feed?limit=5${cursor ? `&cursor=${cursor}` : ""}`, {
				token: viewer.accessToken,
				headers: await seenAll(),
			});
			expect(res.status).toBe(200);
			const page = await json<{ items: (Reel & { source: string })[]; nextCursor: string | null }>(res);
			items.push(...page.items);
			cursor = page.nextCursor;
		}
		const ids = items.map((r) => r.id);
		expect(new Set(ids).size).toBe(ids.length);
		expect(items.slice(0, 2).map((r) => r.id)).toEqual([mine[3]?.id, mine[2]?.id]);
		expect(items.filter((r) => r.author.id === followed.user.id).every((r) => r.source === "following")).toBe(true);
		expect(items.find((r) => r.id === hot.id)).toMatchObject({ source: "trending", liked: true });
		expect(items[2]?.source).toBe("trending");
	});

	it("gives anonymous users trending only, and refuses forged cursors", async () => {
		const res = await api("/api/feed?limit=3");
		expect(res.status).toBe(200);
		const page = await json<{ items: { source: string }[] }>(res);
		expect(page.items.every((r) => r.source === "trending")).toBe(true);
		for (const cursor of ["x", btoa(JSON.stringify({ e: "1; DROP TABLE reels", t: 0 })), btoa(JSON.stringify({ e: 1, t: -5 }))]) {
			expect((await api(`/api/feed?cursor=${encodeURIComponent(cursor)}`)).status, cursor).toBe(400);
		}
	});

	it("lists a hashtag's reels newest first, whatever the case or # given", async () => {
		const author = await person();
		const tag = `tag${crypto.randomUUID().slice(0, 8)}`;
		const a = await postReel(author, `one #${tag}`);
		const b = await postReel(author, `two #${tag.toUpperCase()} and more`);
		await postReel(author, "untagged");
		const page = await json<{ items: Reel[] }>(
			await api(`/api/hashtags/%23${tag.toUpperCase()}/reels`, { headers: sawWrite(b.consistencyToken) }),
		);
		expect(page.items.map((r) => r.id)).toEqual([b.id, a.id]);
		expect((await api("/api/hashtags/bad tag!/reels")).status).toBe(400);
	});
});

describe("search", () => {
	it("finds reels by caption words (stemmed) and hashtags, and creators by name, best first", async () => {
		const word = `zq${crypto.randomUUID().slice(0, 6)}`;
		const creator = await person(`Maestro ${word}`);
		const tagged = await postReel(creator, `late night #${word}`);
		const captioned = await postReel(creator, `${word} dancing in the rain`);
		const res = await api(`/api/search?q=${word}`, { headers: sawWrite(captioned.consistencyToken) });
		expect(res.status).toBe(200);
		const found = await json<{ reels: (Reel & { rank: number })[]; users: { id: string }[] }>(res);
		expect(found.reels.map((r) => r.id)).toEqual([tagged.id, captioned.id]); // hashtags weigh more
		expect(found.users.map((u) => u.id)).toEqual([creator.user.id]);
		const stemmed = await json<{ reels: Reel[] }>(
			await api(`/api/search?q=${word}+dance&type=reels`, { headers: sawWrite(captioned.consistencyToken) }),
		);
		expect(stemmed.reels.map((r) => r.id)).toEqual([captioned.id]);
	});

	it("finds a reel by its edited caption and no longer by the old one", async () => {
		const author = await person();
		const before = `old${crypto.randomUUID().slice(0, 8)}`;
		const after = `new${crypto.randomUUID().slice(0, 8)}`;
		const reel = await postReel(author, `first ${before}`);
		const edited = await api(`/api/reels/${reel.id}`, { method: "PATCH", token: author.accessToken, json: { caption: `then #${after}` } });
		expect(edited.status).toBe(200);
		const seen = sawWrite(edited.headers.get("x-consistency-token") ?? "");
		const found = async (q: string) =>
			(await json<{ reels: Reel[] }>(await api(`/api/search?q=${q}&type=reels`, { headers: seen }))).reels.map((r) => r.id);
		expect(await found(after)).toEqual([reel.id]);
		expect(await found(before)).toEqual([]);
	});

	it("treats SQL and tsquery syntax as plain text", async () => {
		for (const q of ["'; DROP TABLE reels; --", "a & b | !c", "(((", ":*", '"unterminated', "\\", "🙂", "-"]) {
			const res = await api(`/api/search?q=${encodeURIComponent(q)}`);
			expect(res.status, q).toBe(200);
			expect(await res.json()).toMatchObject({ reels: expect.any(Array), users: expect.any(Array) });
		}
		expect((await api("/api/search?q=")).status).toBe(400);
		expect((await api(`/api/search?q=${"x".repeat(201)}`)).status).toBe(400);
		expect((await api("/api/search?q=x&limit=51")).status).toBe(400);
	});
});

describe("moderation", () => {
	const report = (who: Session, reelId: string) =>
		api(`/api/reels/${reelId}/report`, { method: "POST", token: who.accessToken, json: { reason: "spam" } });
	/** People whose accounts are a month old: their reports count. */
	const established = async (n: number) => {
		const people = await Promise.all(Array.from({ length: n }, () => person()));
		for (const p of people) await backdateAccount(p.user.id);
		return people;
	};

	it("hides a reel after enough weighty reports; admins list and restore it", async () => {
		const author = await person();
		const admin = await person();
		const asAdmin = sawWrite(await setRole(admin.user.id, "admin"));
		const reel = await postReel(author, "borderline");
		const reporters = (await established(3)) as unknown as [Session, Session, Session];
		expect((await report(reporters[0], reel.id)).status).toBe(202);
		expect((await report(reporters[0], reel.id)).status).toBe(202); // a second report by the same person counts once
		expect((await report(reporters[1], reel.id)).status).toBe(202);
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(200);
		expect((await report(reporters[2], reel.id)).status).toBe(202);
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(404);
		expect((await report(reporters[2], reel.id)).status).toBe(404);
		expect(await json(await api(`/api/reels/${reel.id}`, { token: author.accessToken, headers: await seenAll() }))).toMatchObject({
			hidden: true,
		});

		expect((await api("/api/admin/reels/reported", { token: author.accessToken })).status).toBe(403);
		expect((await api("/api/admin/reels/reported?cursor=forged", { token: admin.accessToken, headers: asAdmin })).status).toBe(400);
		expect((await api("/api/admin/reels/not-a-uuid/restore", { method: "POST", token: admin.accessToken, headers: asAdmin })).status).toBe(
			400,
		);
		expect(
			(await api(`/api/admin/reels/${crypto.randomUUID()}/restore`, { method: "POST", token: admin.accessToken, headers: asAdmin })).status,
		).toBe(404);
		const listed = await json<{ items: (Reel & { reportCount: number })[] }>(
			await api("/api/admin/reels/reported?limit=100", { token: admin.accessToken, headers: await seenAll() }),
		);
		expect(listed.items.find((r) => r.id === reel.id)).toMatchObject({ hidden: true, reportCount: 3 });
		const restored = await api(`/api/admin/reels/${reel.id}/restore`, { method: "POST", token: admin.accessToken, headers: asAdmin });
		expect(await json(restored)).toMatchObject({ hidden: false });
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(200);
		expect(
			(await api(`/api/reels/${reel.id}/report`, { method: "POST", token: author.accessToken, json: { reason: "nope" } })).status,
		).toBe(400);

		// Restoring keeps the dismissed reports: the same accounts cannot hide it again.
		for (const r of reporters) expect((await report(r, reel.id)).status).toBe(202);
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(200);
	});

	it("gives throwaway accounts' reports no weight, and discredits reporters whose reports keep being overturned", async () => {
		const author = await person();
		const reel = await postReel(author, "a fine reel");
		const throwaways = await Promise.all([person(), person(), person(), person()]);
		for (const t of throwaways) expect((await report(t, reel.id)).status).toBe(202);
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(200);

		// Three established accounts whose reports were overturned twice already (REPORTER_MAX_DISMISSED = 2 here).
		const vars = { REPORTER_MAX_DISMISSED: "2" };
		const admin = await person();
		const asAdmin = sawWrite(await setRole(admin.user.id, "admin"));
		const brigade = (await established(3)) as unknown as [Session, Session, Session];
		for (let round = 0; round < 2; round++) {
			const bait = await postReel(author, `bait ${round}`);
			for (const b of brigade)
				expect(
					(await api(`/api/reels/${bait.id}/report`, { method: "POST", token: b.accessToken, json: { reason: "spam" } }, vars)).status,
				).toBe(202);
			expect((await api(`/api/reels/${bait.id}`, { headers: await seenAll() })).status).toBe(404);
			expect(
				(await api(`/api/admin/reels/${bait.id}/restore`, { method: "POST", token: admin.accessToken, headers: asAdmin })).status,
			).toBe(200);
		}
		for (const b of brigade)
			expect(
				(await api(`/api/reels/${reel.id}/report`, { method: "POST", token: b.accessToken, json: { reason: "spam" } }, vars)).status,
			).toBe(202);
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(200);

		// An admin's report hides at once.
		expect((await report(admin, reel.id)).status).toBe(202);
		expect((await api(`/api/reels/${reel.id}`, { headers: await seenAll() })).status).toBe(404);
	});

	it("keeps a moderated video down: deleted while hidden, or removed by an admin, it cannot be posted again", async () => {
		const author = await person();
		const video = await videoOf(author);
		const post = () => api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: video.id, caption: "again" } });
		const first = await json<Reel>(await post());
		for (const r of await established(3)) expect((await report(r, first.id)).status).toBe(202);
		expect((await api(`/api/reels/${first.id}`, { headers: await seenAll() })).status).toBe(404);
		expect((await api(`/api/reels/${first.id}`, { method: "DELETE", token: author.accessToken, headers: await seenAll() })).status).toBe(
			204,
		);
		const again = await post();
		expect(again.status).toBe(403);
		expect(await again.json()).toMatchObject({ code: "video_moderated" });

		// An author's own delete of a visible reel takes nothing down: the video can be posted again.
		const other = await videoOf(author);
		const fine = await json<Reel>(await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: other.id } }));
		expect((await api(`/api/reels/${fine.id}`, { method: "DELETE", token: author.accessToken })).status).toBe(204);
		expect((await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: other.id } })).status).toBe(201);

		// An admin's delete takes the video down whatever its state.
		const admin = await person();
		const asAdmin = sawWrite(await setRole(admin.user.id, "admin"));
		const third = await videoOf(author);
		const posted = await json<Reel>(await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: third.id } }));
		expect((await api(`/api/reels/${posted.id}`, { method: "DELETE", token: admin.accessToken, headers: asAdmin })).status).toBe(204);
		expect((await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: third.id } })).status).toBe(403);
	});
});

describe("NEW_REEL", () => {
	it("reaches the author's followers once the reel is public", async () => {
		const creator = await person();
		const fan = await person();
		await follow(fan, creator.user.id);
		const reel = await postReel(creator, "for my fans");
		expect((await inboxOf(fan.user.id, "NEW_REEL")).map((n) => n.data)).toEqual([{ reelId: reel.id, authorId: creator.user.id }]);
	});
});

describe("keyset cursors", () => {
	it("pages follows made in the same millisecond without skipping any (microsecond cursors)", async () => {
		const creator = await person("Popular");
		const fans = [await person("Fan"), await person("Fan"), await person("Fan")];
		// Three follows 1 µs apart: the same millisecond, so a millisecond cursor would skip one.
		await withDatabase(env, (db) =>
			db.write((q) =>
				q.execute(sql`INSERT INTO follows (follower_id, followee_id, created_at) VALUES
					(${fans[0]?.user.id}, ${creator.user.id}, '2026-11-23T10:00:00.000100Z'),
					(${fans[1]?.user.id}, ${creator.user.id}, '2026-11-23T10:00:00.000200Z'),
					(${fans[2]?.user.id}, ${creator.user.id}, '2026-11-23T10:00:00.000300Z')`),
			),
		);
		const seen: string[] = [];
		let cursor: string | null = "";
		for (let page = 0; page < 5 && cursor !== null; page++) {
			const res = await api(`/api/users/${creator.user.id}/followers?limit=1${cursor ? `&cursor=${cursor}` : ""}`, {
				headers: await seenAll(),
			});
			const body: { items: { id: string }[]; nextCursor: string | null } = await json(res);
			seen.push(...body.items.map((i) => i.id));
			cursor = body.nextCursor;
		}
		expect(seen).toEqual(fans.map((f) => f.user.id).reverse());
	});

	it("answers forged cursors and loose numbers with 400, never 500", async () => {
		const feedCursor = btoa(JSON.stringify({ e: 0, t: 2147483648 })).replace(/=+$/, "");
		const old = btoa(JSON.stringify({ t: "0000-01-01T00:00:00Z", i: crypto.randomUUID() })).replace(/=+$/, "");
		const someone = await person("Someone");
		for (const path of [
			`/api/feed?cursor=${feedCursor}`,
			`/api/users/${someone.user.id}/followers?cursor=${old}`,
			`/api/users/${someone.user.id}/following?cursor=${old}`,
			"/api/reels?limit=0x10",
			"/api/search?q=x&limit=1e1",
		]) {
			const res = await api(path);
			expect(res.status, path).toBe(400);
			expect(res.headers.get("content-type"), path).toBe("application/problem+json");
		}
	});

	it("accepts the bearer scheme in any case", async () => {
		const me = await person("Case");
		const res = await api("/api/users/me", { headers: { authorization: `bearer ${me.accessToken}` } });
		expect(res.status).toBe(200);
	});
});
