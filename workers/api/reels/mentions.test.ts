import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, registerUser, type Session } from "../../test-support/api";
import { inboxOf } from "../../test-support/inbox";
import { json, playableVideoOf, postReel, type Reel, seenAll, setVideoStatus, videoOf } from "../../test-support/reels";
import { MAX_MENTIONS, mentionedHandles } from "./mentions";
import { syncReelMedia } from "./reel-media";

const handleOf = async (s: Session) => (await json<{ handle: string }>(await api("/api/users/me", { token: s.accessToken }))).handle;
const comment = (reelId: string, who: Session, text: string) =>
	api(`/api/reels/${reelId}/comments`, { method: "POST", token: who.accessToken, json: { text } });
const mentionsOf = async (s: Session) => (await inboxOf(s.user.id, "MENTIONED")).map((n) => n.data as Record<string, unknown>);

describe("mentionedHandles", () => {
	it("finds @handles once each, lowercase, without a sentence's final dot, and not inside an email address", () => {
		expect(mentionedHandles("Hi @Ada_L and @ada_l. Ask @bob.smith, not me@example.com or @x")).toEqual(["ada_l", "bob.smith"]);
		expect(mentionedHandles(Array.from({ length: 15 }, (_, i) => `@user${i}`).join(" "))).toHaveLength(MAX_MENTIONS);
		// Longer than any handle: nobody, not the owner of its first 24 characters.
		expect(mentionedHandles(`@${"a".repeat(30)}`)).toEqual([]);
	});
});

describe("mentions", () => {
	it("tells the person a comment mentions, once, with the comment and a link, but not the author themself", async () => {
		const author = await registerUser();
		const commenter = await registerUser();
		const friend = await registerUser();
		const reel = await postReel(author);
		const text = `look @${(await handleOf(friend)).toUpperCase()} and @${await handleOf(commenter)}`;
		const res = await comment(reel.id, commenter, text);
		expect(res.status).toBe(201);
		const { id: commentId } = await json<{ id: string }>(res);
		expect(await mentionsOf(friend)).toEqual([{ reelId: reel.id, authorId: commenter.user.id, commentId, text }]);
		expect(await mentionsOf(commenter)).toEqual([]);
		const items = (
			await json<{ items: { type: string; link: string }[] }>(
				await api("/api/notifications", { token: friend.accessToken, headers: await seenAll() }),
			)
		).items;
		expect(items.find((i) => i.type === "MENTIONED")?.link).toBe(`/reel/${reel.id}#comments`);
	});

	it("does not reach someone who blocked the author, or who cannot open the reel", async () => {
		const author = await registerUser();
		const blocker = await registerUser();
		const stranger = await registerUser();
		expect((await api(`/api/users/${author.user.id}/block`, { method: "POST", token: blocker.accessToken })).status).toBe(200);
		const open = await postReel(author);
		await comment(open.id, author, `hey @${await handleOf(blocker)}`);
		expect(await mentionsOf(blocker)).toEqual([]);
		// Nor through a third person's comment on the blocked author's reel.
		const third = await registerUser();
		expect((await comment(open.id, third, `hey @${await handleOf(blocker)}`)).status).toBe(201);
		expect(await mentionsOf(blocker)).toEqual([]);

		// A followers-only reel of a private account: a stranger named in it is not told.
		expect((await api("/api/users/me", { method: "PATCH", token: author.accessToken, json: { private: true } })).status).toBe(200);
		const video = await playableVideoOf(author);
		const closed = await api("/api/reels", {
			method: "POST",
			token: author.accessToken,
			json: { video_id: video.id, visibility: "followers", caption: `for @${await handleOf(stranger)}` },
		});
		expect(closed.status).toBe(201);
		expect(await mentionsOf(stranger)).toEqual([]);
	});

	it("tells the people a caption mentions when the reel can be watched, and an unlisted reel is announced to nobody else", async () => {
		const author = await registerUser();
		const follower = await registerUser();
		const named = await registerUser();
		await api(`/api/users/${author.user.id}/follow`, { method: "POST", token: follower.accessToken });
		const video = await videoOf(author, "queued");
		const res = await api("/api/reels", {
			method: "POST",
			token: author.accessToken,
			json: { video_id: video.id, visibility: "unlisted", caption: `with @${await handleOf(named)}` },
		});
		const reel = await json<Reel>(res);
		expect(await mentionsOf(named)).toEqual([]); // not watchable yet
		await setVideoStatus(video.id, "ready");
		await syncReelMedia(env, video.id);
		expect(await mentionsOf(named)).toEqual([{ reelId: reel.id, authorId: author.user.id }]);
		// An unlisted reel is reached by its link alone: its author's followers are not told of it.
		expect((await inboxOf(follower.user.id, "NEW_REEL")).filter((n) => (n.data as { reelId: string }).reelId === reel.id)).toEqual([]);
	});

	it("tells the people an edited caption newly mentions, once each, and nobody while the reel cannot be watched", async () => {
		const author = await registerUser();
		const old = await registerUser();
		const added = await registerUser();
		const reel = await postReel(author, `with @${await handleOf(old)}`);
		expect(await mentionsOf(old)).toHaveLength(1);
		const edit = (caption: string) => api(`/api/reels/${reel.id}`, { method: "PATCH", token: author.accessToken, json: { caption } });
		expect((await edit(`with @${await handleOf(old)} and @${await handleOf(added)}`)).status).toBe(200);
		expect(await mentionsOf(added)).toEqual([{ reelId: reel.id, authorId: author.user.id }]);
		// Told once per reel: the same names again (or in another edit) tell nobody twice.
		expect((await edit(`@${await handleOf(added)} @${await handleOf(old)} again`)).status).toBe(200);
		expect(await mentionsOf(added)).toHaveLength(1);
		expect(await mentionsOf(old)).toHaveLength(1);

		// A reel still processing mentions nobody when edited; they are told once it can be watched.
		const later = await registerUser();
		const video = await videoOf(author, "queued");
		const pending = await json<Reel>(
			await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: video.id, caption: "soon" } }),
		);
		expect(
			(
				await api(`/api/reels/${pending.id}`, {
					method: "PATCH",
					token: author.accessToken,
					json: { caption: `@${await handleOf(later)}` },
				})
			).status,
		).toBe(200);
		expect(await mentionsOf(later)).toEqual([]);
		await setVideoStatus(video.id, "ready");
		await syncReelMedia(env, video.id);
		expect(await mentionsOf(later)).toEqual([{ reelId: pending.id, authorId: author.user.id }]);
	});
});
