import { describe, expect, it } from "vitest";
import { api, type Session } from "../../test-support/api";
import { inboxOf } from "../../test-support/inbox";
import { json, person, postReel, seenAll } from "../../test-support/reels";

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
		const again = await follow(fans[0] as Session, creator.user.id);
		expect(await json(again)).toEqual({ following: true, requested: false, followerCount: 3 });
		// In the transaction: BEGIN, the pair's lock, the state (with the count and the follower's name), the edge
		// and both counters in one statement, COMMIT; then the token. A new edge adds its outbox row.
		expect(again.headers.get("x-request-cost")).toMatch(/^primary=6, replica=0, /);
		const newEdge = await follow(creator, (fans[1] as Session).user.id);
		expect(await json(newEdge)).toEqual({ following: true, requested: false, followerCount: 1 });
		expect(newEdge.headers.get("x-request-cost")).toMatch(/^primary=7, replica=0, /);
		await follow(creator, (fans[1] as Session).user.id, "DELETE");

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

describe("NEW_REEL", () => {
	it("reaches the author's followers once the reel is public", async () => {
		const creator = await person();
		const fan = await person();
		await follow(fan, creator.user.id);
		const reel = await postReel(creator, "for my fans");
		expect((await inboxOf(fan.user.id, "NEW_REEL")).map((n) => n.data)).toEqual([{ reelId: reel.id, authorId: creator.user.id }]);
	});
});
