import { describe, expect, it } from "vitest";
import { api, registerUser, type Session } from "../../test-support/api";
import { inboxOf } from "../../test-support/inbox";
import { json, playableVideoOf, type Reel, seenAll } from "../../test-support/reels";
import type { PublicProfile } from "../users/user-schemas";

const post = async (owner: Session, visibility: string) => {
	const video = await playableVideoOf(owner);
	const res = await api("/api/reels", { method: "POST", token: owner.accessToken, json: { video_id: video.id, visibility } });
	return { status: res.status, body: await json<Reel & { code?: string }>(res) };
};
const goPrivate = async (owner: Session, on = true) =>
	expect((await api("/api/users/me", { method: "PATCH", token: owner.accessToken, json: { private: on } })).status).toBe(200);
const open = async (id: string, viewer?: Session) =>
	(await api(`/api/reels/${id}`, { ...(viewer ? { token: viewer.accessToken } : {}), headers: await seenAll() })).status;
const grid = async (authorId: string, viewer?: Session) =>
	(
		await json<{ items: Reel[] }>(
			await api(`/api/users/${authorId}/reels`, { ...(viewer ? { token: viewer.accessToken } : {}), headers: await seenAll() }),
		)
	).items.map((r) => r.id);
const profile = async (id: string, viewer: Session) =>
	json<PublicProfile>(await api(`/api/users/${id}`, { token: viewer.accessToken, headers: await seenAll() }));
const followUser = (id: string, who: Session) => api(`/api/users/${id}/follow`, { method: "POST", token: who.accessToken });
const requestsOf = async (owner: Session) =>
	(await json<{ items: { id: string }[] }>(await api("/api/users/me/follow-requests", { token: owner.accessToken }))).items.map(
		(r) => r.id,
	);

describe("followers-only reels", () => {
	it("are refused on a public account, where anyone can follow at once", async () => {
		const author = await registerUser();
		const { status, body } = await post(author, "followers");
		expect([status, body.code]).toEqual([400, "followers_need_private_account"]);
	});

	it("open to followers a private account approved, never to a stranger who merely asked", async () => {
		const author = await registerUser("Private Author");
		await goPrivate(author);
		const { body: forFans } = await post(author, "followers");
		const stranger = await registerUser("Stranger");
		const asked = await json<{ following: boolean; requested: boolean }>(await followUser(author.user.id, stranger));
		expect(asked).toMatchObject({ following: false, requested: true });
		expect(await open(forFans.id, stranger)).toBe(404);
		expect(await grid(author.user.id, stranger)).toEqual([]);
		expect((await api(`/api/reels/${forFans.id}/like`, { method: "POST", token: stranger.accessToken })).status).toBe(404);
		expect(await profile(author.user.id, stranger)).toMatchObject({ private: true, following: false, requested: true });
		expect((await inboxOf(author.user.id, "FOLLOW_REQUESTED")).map((n) => n.data)).toEqual([
			{ requesterId: stranger.user.id, requesterName: "Stranger" },
		]);

		expect(await requestsOf(author)).toEqual([stranger.user.id]);
		const approve = await api(`/api/users/me/follow-requests/${stranger.user.id}`, {
			method: "POST",
			token: author.accessToken,
			json: { approve: true },
		});
		expect(approve.status).toBe(204);
		expect(await requestsOf(author)).toEqual([]);
		expect(await open(forFans.id, stranger)).toBe(200);
		expect(await grid(author.user.id, stranger)).toEqual([forFans.id]);
		expect(await profile(author.user.id, stranger)).toMatchObject({ followerCount: 1, following: true, requested: false });
		expect(await inboxOf(stranger.user.id, "FOLLOW_ACCEPTED")).toHaveLength(1);

		// Removing the follower closes it again; they may ask anew.
		expect((await api(`/api/users/me/followers/${stranger.user.id}`, { method: "DELETE", token: author.accessToken })).status).toBe(204);
		expect(await open(forFans.id, stranger)).toBe(404);
		expect(await profile(author.user.id, stranger)).toMatchObject({ followerCount: 0, following: false });
	});

	it("stay closed after a declined request, and to everyone but the author once the account turns public", async () => {
		const author = await registerUser();
		await goPrivate(author);
		const { body: forFans } = await post(author, "followers");
		const fan = await registerUser();
		const asker = await registerUser();
		await followUser(author.user.id, fan);
		await api(`/api/users/me/follow-requests/${fan.user.id}`, { method: "POST", token: author.accessToken, json: { approve: true } });
		await followUser(author.user.id, asker);
		const decline = await api(`/api/users/me/follow-requests/${asker.user.id}`, {
			method: "POST",
			token: author.accessToken,
			json: { approve: false },
		});
		expect(decline.status).toBe(204);
		expect(await open(forFans.id, asker)).toBe(404);
		const again = await api(`/api/users/me/follow-requests/${asker.user.id}`, {
			method: "POST",
			token: author.accessToken,
			json: { approve: true },
		});
		expect([again.status, (await json<{ code: string }>(again)).code]).toEqual([404, "follow_request_not_found"]);

		// Public again: a follow is instant, so "followers" no longer opens anything to anyone but the author.
		await followUser(author.user.id, asker);
		await goPrivate(author, false);
		expect(await requestsOf(author)).toEqual([]);
		expect(await profile(author.user.id, asker)).toMatchObject({ following: true, followerCount: 2 });
		expect([await open(forFans.id, fan), await open(forFans.id, author)]).toEqual([404, 200]);
	});
});

describe("unlisted reels", () => {
	it("are listed nowhere, not even to followers, but open to anyone with the link; the author sees them in their own profile", async () => {
		const author = await registerUser();
		const fan = await registerUser();
		await followUser(author.user.id, fan);
		const { body: hidden } = await post(author, "unlisted");
		const { body: shown } = await post(author, "public");
		expect(await grid(author.user.id)).toEqual([shown.id]);
		expect(await grid(author.user.id, fan)).toEqual([shown.id]);
		expect(await grid(author.user.id, author)).toEqual([shown.id, hidden.id]);
		expect([await open(hidden.id), await open(hidden.id, fan)]).toEqual([200, 200]);
	});
});

describe("blocking", () => {
	it("ends follows both ways and keeps the blocked account away from the blocker's reels until unblocked", async () => {
		const blocker = await registerUser();
		const pest = await registerUser();
		await followUser(blocker.user.id, pest);
		await followUser(pest.user.id, blocker);
		const { body: reel } = await post(blocker, "public");
		expect(await open(reel.id, pest)).toBe(200);

		const res = await api(`/api/users/${pest.user.id}/block`, { method: "POST", token: blocker.accessToken });
		expect([res.status, await res.json()]).toEqual([200, { blocked: true }]);
		expect(await profile(blocker.user.id, blocker)).toMatchObject({ followerCount: 0, followingCount: 0 });
		expect(await profile(pest.user.id, blocker)).toMatchObject({ blocking: true, following: false, followerCount: 0 });

		const refused = await followUser(blocker.user.id, pest);
		expect([refused.status, (await json<{ code: string }>(refused)).code]).toEqual([403, "blocked"]);
		expect((await followUser(pest.user.id, blocker)).status).toBe(403);
		expect(await open(reel.id, pest)).toBe(404);
		expect(await grid(blocker.user.id, pest)).toEqual([]);
		expect((await api(`/api/reels/${reel.id}/like`, { method: "POST", token: pest.accessToken })).status).toBe(404);
		const comment = await api(`/api/reels/${reel.id}/comments`, { method: "POST", token: pest.accessToken, json: { text: "hi" } });
		expect(comment.status).toBe(404);
		const listed = await json<{ items: Reel[] }>(await api("/api/reels?limit=100", { token: pest.accessToken, headers: await seenAll() }));
		expect(listed.items.map((r) => r.id)).not.toContain(reel.id);

		expect((await api(`/api/users/${pest.user.id}/block`, { method: "DELETE", token: blocker.accessToken })).status).toBe(200);
		expect(await open(reel.id, pest)).toBe(200);
		expect((await followUser(blocker.user.id, pest)).status).toBe(200);
	});

	it("refuses blocking yourself and unknown accounts", async () => {
		const me = await registerUser();
		const self = await api(`/api/users/${me.user.id}/block`, { method: "POST", token: me.accessToken });
		expect([self.status, (await json<{ code: string }>(self)).code]).toEqual([400, "cannot_block_self"]);
		const ghost = await api(`/api/users/${crypto.randomUUID()}/block`, { method: "POST", token: me.accessToken });
		expect(ghost.status).toBe(404);
		expect((await api(`/api/users/${me.user.id}/block`, { method: "POST" })).status).toBe(401);
	});
});

describe("a private account's follower lists", () => {
	it("are its own, its approved followers' and admins' to read: 403 to a stranger or a visitor, 404 to an account it blocked", async () => {
		const owner = await registerUser();
		const fan = await registerUser();
		const stranger = await registerUser();
		const pest = await registerUser();
		await followUser(owner.user.id, fan);
		await goPrivate(owner);
		const list = async (which: "followers" | "following", viewer?: Session) =>
			api(`/api/users/${owner.user.id}/${which}`, { ...(viewer ? { token: viewer.accessToken } : {}), headers: await seenAll() });
		for (const which of ["followers", "following"] as const) {
			for (const viewer of [stranger, undefined]) {
				const res = await list(which, viewer);
				expect(res.status, `${which} to ${viewer ? "a stranger" : "a visitor"}`).toBe(403);
				expect(await res.json()).toMatchObject({ code: "private_account" });
			}
			expect((await list(which, owner)).status).toBe(200);
			expect((await list(which, fan)).status).toBe(200);
		}
		expect((await json<{ items: { id: string }[] }>(await list("followers", fan))).items.map((u) => u.id)).toEqual([fan.user.id]);
		// Asking to follow opens nothing; blocking makes the account not there at all.
		await followUser(owner.user.id, stranger);
		expect((await list("followers", stranger)).status).toBe(403);
		expect((await api(`/api/users/${pest.user.id}/block`, { method: "POST", token: owner.accessToken })).status).toBe(200);
		expect((await list("followers", pest)).status).toBe(404);
		// A public account's lists are anyone's.
		await goPrivate(owner, false);
		expect((await list("followers", stranger)).status).toBe(200);
		expect((await list("followers")).status).toBe(200);
	});
});
