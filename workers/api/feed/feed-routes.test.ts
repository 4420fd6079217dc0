// The feed (followed + trending) and hashtag pages, against the real primary + replica.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, type Session, verifiedUser } from "../../test-support/api";
import { json, person, postReel, type Reel, sawWrite, seenAll } from "../../test-support/reels";
import { refreshTrending } from "./trending";

const follow = (who: Session, target: string, method: "POST" | "DELETE" = "POST") =>
	api(`/api/users/${target}/follow`, { method, token: who.accessToken });

describe("feed", () => {
	it("mixes followed creators' reels with trending ones, never repeating a reel across pages", { timeout: 60_000 }, async () => {
		const viewer = await person("Viewer");
		// Four reels: more than an unverified account may post.
		const followed = await verifiedUser("Followed");
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
