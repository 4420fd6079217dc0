import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../lib/ids/uuidv7";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets, derivedFiles } from "../../lib/media-db/schema";
import { withDatabase } from "../../lib/postgres/routed-database";
import { users } from "../../lib/postgres/schema";
import { api, registerUser } from "../../test-support/api";
import { seedAsset } from "../../test-support/assets";
import { inboxOf } from "../../test-support/inbox";
import { sampleJpeg } from "../../test-support/media";
import { json, playableVideoOf, postReel, type Reel, sawWrite, seenAll, setVideoStatus, videoOf } from "../../test-support/reels";
import { pauseReplica } from "../../test-support/replica";
import { setRole } from "../../test-support/roles";
import { syncReelMedia } from "./reel-media";

describe("POST /api/reels", () => {
	it("lets an unverified account post UNVERIFIED_MAX_REELS reels, at once too, then asks it to verify", async () => {
		const author = await registerUser("Newcomer");
		const videos = await Promise.all([1, 2, 3, 4].map(() => videoOf(author)));
		const post = (id: string) =>
			api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: id } }, { UNVERIFIED_MAX_REELS: "2" });
		// Four at once: the row lock counts them one after another.
		const statuses = (await Promise.all(videos.map((v) => post(v.id)))).map((r) => r.status).sort();
		expect(statuses).toEqual([201, 201, 403, 403]);
		const listed = await json<{ items: { video: { id: string } }[] }>(
			await api(`/api/users/${author.user.id}/reels`, { token: author.accessToken, headers: await seenAll() }),
		);
		const posted = listed.items.map((r) => r.video.id);
		const unposted = videos.map((v) => v.id).filter((id) => !posted.includes(id));
		expect(posted).toHaveLength(2);
		// Posting one of the first two again stays idempotent (200), not refused.
		expect((await post(posted[0] as string)).status).toBe(200);
		const refused = await post(unposted[0] as string);
		expect(refused.status).toBe(403);
		expect(await refused.json()).toMatchObject({ code: "email_unverified" });
		// Verified, the limit is gone.
		await withDatabase(env, (db) =>
			db.write((q) => q.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, author.user.id))),
		);
		expect((await post(unposted[0] as string)).status).toBe(201);
	});

	it("posts a reel from your ready video, with hashtags from the caption", async () => {
		const author = await registerUser("Author");
		const video = await videoOf(author);
		const res = await api("/api/reels", {
			method: "POST",
			token: author.accessToken,
			json: { video_id: video.id, caption: "Morning #Dance at the #beach #dance" },
		});
		expect(res.status).toBe(201);
		expect(res.headers.get("x-consistency-token")).toBeTruthy();
		const reel = await json<Reel>(res);
		expect(reel).toMatchObject({
			caption: "Morning #Dance at the #beach #dance",
			hashtags: ["dance", "beach"],
			author: { id: author.user.id, name: "Author" },
			video: { id: video.id, status: "ready" },
			likeCount: 0,
			liked: false,
			hidden: false,
		});
	});

	it("accepts the seed's {video_url, caption} for a /cdn URL you own, and is idempotent per video", async () => {
		const author = await registerUser();
		const video = await videoOf(author);
		const first = await api("/api/reels", {
			method: "POST",
			token: author.accessToken,
			json: { video_url: `/cdn/${video.key}`, caption: "hi" },
		});
		expect(first.status).toBe(201);
		const again = await api("/api/reels", {
			method: "POST",
			token: author.accessToken,
			json: { video_url: `https://reels.example/cdn/${video.key}`, caption: "hi", user_id: author.user.id },
		});
		expect(again.status).toBe(200);
		expect((await json<Reel>(again)).id).toBe((await json<Reel>(first)).id);
	});

	it("refuses other people's videos, images, unknown ids, bad URLs, a foreign user_id and long captions", async () => {
		const author = await registerUser();
		const stranger = await registerUser();
		const theirs = await videoOf(stranger);
		const image = await seedAsset({ bytes: sampleJpeg(), kind: "image", ownerId: author.user.id });
		const mine = await videoOf(author);
		const post = (body: unknown) => api("/api/reels", { method: "POST", token: author.accessToken, json: body });
		const cases: [unknown, number, string][] = [
			[{ video_id: theirs.id }, 404, "video_not_found"],
			[{ video_id: crypto.randomUUID() }, 404, "video_not_found"],
			[{ video_url: `/cdn/${theirs.key}` }, 404, "video_not_found"],
			[{ video_id: image.id }, 422, "not_a_video"],
			[{ video_url: "https://evil.example/etc/passwd" }, 400, "invalid_video_url"],
			[{ video_url: "/cdn/..%2Fsecret" }, 400, "invalid_key"],
			[{ video_url: `/cdn/${mine.key}`, user_id: stranger.user.id }, 403, "user_mismatch"],
			[{ video_id: mine.id, caption: "x".repeat(2201) }, 400, "validation_failed"],
			[{ video_id: "not-a-uuid" }, 400, "validation_failed"],
			[{}, 400, "validation_failed"],
		];
		for (const [body, status, code] of cases) {
			const res = await post(body);
			expect(res.status, JSON.stringify(body)).toBe(status);
			expect(res.headers.get("content-type")).toMatch(/problem\+json/);
			expect((await json<{ code: string }>(res)).code, JSON.stringify(body)).toBe(code);
		}
		expect((await api("/api/reels", { method: "POST", json: { video_id: mine.id } })).status).toBe(401);
	});

	it("keeps a reel unlisted until its video is ready, then lists it", async () => {
		const author = await registerUser();
		const video = await videoOf(author, "queued");
		const res = await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: video.id } });
		expect(res.status, await res.clone().text()).toBe(201);
		const seen = sawWrite(res.headers.get("x-consistency-token") ?? "");
		const created = await json<Reel>(res);
		expect(created.video.status).toBe("queued");
		expect((await api(`/api/reels/${created.id}`, { headers: seen })).status).toBe(404);
		expect((await api(`/api/reels/${created.id}`, { token: author.accessToken, headers: seen })).status).toBe(200);

		await setVideoStatus(video.id, "ready");
		await syncReelMedia(env, video.id);
		const listed = await json<Reel>(await api(`/api/reels/${created.id}`, { headers: await seenAll() }));
		expect(listed.video.status).toBe("ready");
		const page = await json<{ items: Reel[] }>(await api("/api/reels?limit=100", { headers: await seenAll() }));
		expect(page.items.map((r) => r.id)).toContain(created.id);
	});

	it("lists a reel once its video is playable (HLS of its first seconds), announces it once, and takes the full playback at ready", async () => {
		const author = await registerUser();
		const follower = await registerUser();
		await api(`/api/users/${author.user.id}/follow`, { method: "POST", token: follower.accessToken });
		const video = await videoOf(author, "queued");
		const res = await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: video.id } });
		const created = await json<Reel>(res);

		// What progressive publishing leaves: a processing video with playable_at and its HLS master.
		const prefix = video.key.slice(0, -".mp4".length);
		await env.MEDIA.put(`${prefix}/hls/master.m3u8`, "#EXTM3U");
		const now = new Date().toISOString();
		await mediaDb(env).batch([
			mediaDb(env).update(assets).set({ status: "processing", playableAt: now }).where(eq(assets.id, video.id)),
			mediaDb(env)
				.insert(derivedFiles)
				.values({
					r2Key: `${prefix}/hls/master.m3u8`,
					assetId: video.id,
					role: "manifest",
					contentType: "application/vnd.apple.mpegurl",
					bytes: 0,
					createdAt: now,
				}),
		]);
		await syncReelMedia(env, video.id);
		const playable = await json<Reel>(await api(`/api/reels/${created.id}`, { headers: await seenAll() }));
		expect(playable.video).toMatchObject({ status: "playable", hls: `/cdn/${prefix}/hls/master.m3u8`, dash: null });
		const page = await json<{ items: Reel[] }>(await api("/api/reels?limit=100", { headers: await seenAll() }));
		expect(page.items.map((r) => r.id)).toContain(created.id);

		await setVideoStatus(video.id, "ready");
		await syncReelMedia(env, video.id);
		expect((await json<Reel>(await api(`/api/reels/${created.id}`, { headers: await seenAll() }))).video.status).toBe("ready");
		expect((await inboxOf(follower.user.id, "NEW_REEL")).filter((n) => (n.data as { reelId: string }).reelId === created.id)).toHaveLength(
			1,
		);
	});
});

describe("GET /api/reels", () => {
	it("lists newest first with a keyset cursor that never repeats a reel", async () => {
		const author = await registerUser();
		const posted = [await postReel(author), await postReel(author), await postReel(author)];
		const mine = posted.map((r) => r.id);
		const seen: string[] = [];
		let cursor: string | null = null;
		for (let i = 0; i < 200; i++) {
			const res = await api(`/api/reels?limit=2${cursor ? `&cursor=${cursor}` : ""}`, {
				headers: sawWrite(posted[2]?.consistencyToken ?? ""),
			});
			expect(res.status).toBe(200);
			const page: { items: Reel[]; nextCursor: string | null } = await json(res);
			seen.push(...page.items.map((r) => r.id));
			cursor = page.nextCursor;
			if (!cursor || mine.every((id) => seen.includes(id))) break;
		}
		expect(new Set(seen).size).toBe(seen.length);
		expect(seen.filter((id) => mine.includes(id))).toEqual([...mine].reverse());
	});

	it("answers a forged cursor or an out-of-range limit with a 400 problem", async () => {
		for (const query of ["cursor=not-a-cursor", `cursor=${btoa("' OR 1=1 --")}`, "limit=0", "limit=101", "limit=abc"]) {
			const res = await api(`/api/reels?${query}`);
			expect(res.status, query).toBe(400);
			expect(res.headers.get("content-type")).toMatch(/problem\+json/);
		}
	});

	it("reads your own write back at once through the replica path with the consistency token", async () => {
		const author = await registerUser();
		const video = await videoOf(author);
		const created = await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: video.id, caption: "fresh" } });
		const token = created.headers.get("x-consistency-token") ?? "";
		const { id } = await json<Reel>(created);
		const read = await api(`/api/reels/${id}`, { headers: { "x-consistency-token": token } });
		expect(read.status).toBe(200);
		expect(read.headers.get("x-db-read")).toMatch(/^(replica|primary; reason=replica_behind_token)$/);
		expect((await json<Reel>(read)).caption).toBe("fresh");
	});
});

describe("PATCH and DELETE /api/reels/:id", () => {
	it("keeps reel_hashtags (For You's newest-by-tag index) true through posting, caption edits and deleting", async () => {
		const author = await registerUser();
		const tagsOf = (id: string) =>
			withDatabase(env, (db) =>
				db.write(async (q) => {
					const { rows } = await q.execute<{ tag: string }>(sql`SELECT tag FROM reel_hashtags WHERE reel_id = ${id} ORDER BY tag`);
					return rows.map((r) => r.tag);
				}),
			);
		const reel = await postReel(author, "first #one #two #one");
		expect(await tagsOf(reel.id)).toEqual(["one", "two"]);
		const edited = await api(`/api/reels/${reel.id}`, { method: "PATCH", token: author.accessToken, json: { caption: "now #two #three" } });
		expect(edited.status).toBe(200);
		expect(await tagsOf(reel.id)).toEqual(["three", "two"]);
		expect((await api(`/api/reels/${reel.id}`, { method: "DELETE", token: author.accessToken })).status).toBe(204);
		expect(await tagsOf(reel.id)).toEqual([]);
	});

	it("lets the author edit the caption (hashtags follow) and delete; others get 403, admins may", async () => {
		const author = await registerUser();
		const other = await registerUser();
		const admin = await registerUser();
		const asAdmin = sawWrite(await setRole(admin.user.id, "admin"));
		const reel = await postReel(author, "old #one");

		expect((await api(`/api/reels/${reel.id}`, { method: "PATCH", token: other.accessToken, json: { caption: "mine now" } })).status).toBe(
			403,
		);
		const edited = await api(`/api/reels/${reel.id}`, { method: "PATCH", token: author.accessToken, json: { caption: "new #two" } });
		expect(await json<Reel>(edited)).toMatchObject({ caption: "new #two", hashtags: ["two"] });
		expect((await api(`/api/reels/${reel.id}`, { method: "PATCH", token: author.accessToken, json: { caption: 5 } })).status).toBe(400);

		expect((await api(`/api/reels/${reel.id}`, { method: "DELETE", token: other.accessToken })).status).toBe(403);
		const removed = await api(`/api/reels/${reel.id}`, { method: "DELETE", token: admin.accessToken, headers: asAdmin });
		expect(removed.status).toBe(204);
		const deleted = await api(`/api/reels/${reel.id}`, { method: "DELETE", token: admin.accessToken, headers: asAdmin });
		expect(deleted.status).toBe(404); // already gone: deleting twice is harmless
		expect((await api(`/api/reels/${reel.id}`, { headers: sawWrite(removed.headers.get("x-consistency-token") ?? "") })).status).toBe(404);
	});
});

describe("read-your-writes without a consistency token", () => {
	it("finds a reel fetched by id right after it was posted, while the replica has not replayed it yet", async () => {
		const author = await registerUser("Fresh");
		const video = await videoOf(author);
		const resume = await pauseReplica();
		try {
			const created = await api("/api/reels", { method: "POST", token: author.accessToken, json: { video_id: video.id } });
			expect(created.status).toBe(201);
			const { id } = await json<Reel>(created);
			// As curl or a mobile app without a cookie jar asks: no x-consistency-token.
			const anonymous = await api(`/api/reels/${id}`);
			expect(anonymous.status).toBe(200);
			expect(anonymous.headers.get("x-db-read")).toBe("primary; reason=fresh_id_miss");
			const author_ = await api(`/api/reels/${id}`, { token: author.accessToken });
			expect(author_.status).toBe(200);
		} finally {
			await resume();
		}
	});

	it("keeps misses on random and old ids on the replica", async () => {
		for (const id of [crypto.randomUUID(), uuidv7(Date.now() - 3_600_000)]) {
			const reel = await api(`/api/reels/${id}`);
			expect(reel.status).toBe(404);
			expect(reel.headers.get("x-db-read")).toBe("replica");
			const user = await api(`/api/users/${id}`);
			expect(user.status).toBe(404);
			expect(user.headers.get("x-db-read")).toBe("replica");
		}
	});
});

describe("visibility and who may play a reel's media", () => {
	type Visible = Reel & { visibility: string; video: Reel["video"] & { poster: string | null } };
	const post = async (owner: Awaited<ReturnType<typeof registerUser>>, visibility?: string) => {
		const video = await playableVideoOf(owner);
		const res = await api("/api/reels", {
			method: "POST",
			token: owner.accessToken,
			json: { video_id: video.id, ...(visibility ? { visibility } : {}) },
		});
		expect(res.status).toBe(201);
		return { reel: await json<Visible>(res), prefix: video.prefix };
	};
	const plain = (prefix: string) => `/cdn/${prefix}/hls/master.m3u8`;

	it("serves a public reel's media unsigned, from anywhere", async () => {
		const author = await registerUser();
		const { reel, prefix } = await post(author);
		expect(reel).toMatchObject({ visibility: "public", video: { hls: plain(prefix) } });
		expect((await api(plain(prefix))).status).toBe(200);
	});

	it("keeps an unlisted reel out of lists, opens it to anyone with the link, and signs its media", async () => {
		const author = await registerUser();
		const { reel, prefix } = await post(author, "unlisted");
		expect(reel.video.hls).toMatch(/^\/cdn\/s\//);
		expect((await api(plain(prefix))).status).toBe(404);
		expect((await api(reel.video.hls as string)).status).toBe(200);
		const page = await json<{ items: Reel[] }>(await api("/api/reels?limit=100", { headers: await seenAll() }));
		expect(page.items.map((r) => r.id)).not.toContain(reel.id);
		const anonymous = await json<Visible>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }));
		expect((await api(anonymous.video.hls as string)).status).toBe(200);
	});

	it("shows a followers-only reel to approved followers and a private one to its author alone", async () => {
		const author = await registerUser();
		const fan = await registerUser();
		const stranger = await registerUser();
		await api("/api/users/me", { method: "PATCH", token: author.accessToken, json: { private: true } });
		await api(`/api/users/${author.user.id}/follow`, { method: "POST", token: fan.accessToken });
		await api(`/api/users/me/follow-requests/${fan.user.id}`, { method: "POST", token: author.accessToken, json: { approve: true } });
		const { reel: forFans } = await post(author, "followers");
		const { reel: mine, prefix } = await post(author, "private");
		const open = async (id: string, token?: string) =>
			(await api(`/api/reels/${id}`, { ...(token ? { token } : {}), headers: await seenAll() })).status;
		expect([await open(forFans.id), await open(forFans.id, stranger.accessToken), await open(forFans.id, fan.accessToken)]).toEqual([
			404, 404, 200,
		]);
		expect([await open(mine.id, fan.accessToken), await open(mine.id, author.accessToken)]).toEqual([404, 200]);
		expect((await api(plain(prefix))).status).toBe(404);
		// Nobody who cannot see it can engage with it either.
		expect((await api(`/api/reels/${forFans.id}/like`, { method: "POST", token: stranger.accessToken })).status).toBe(404);
		expect((await api(`/api/reels/${forFans.id}/like`, { method: "POST", token: fan.accessToken })).status).toBe(200);
	});

	it("withdraws cached public media at once when a reel goes private, and serves it again when it goes public", async () => {
		const author = await registerUser();
		const { reel, prefix } = await post(author);
		expect((await api(plain(prefix))).headers.get("x-cdn-cache")).toBe("MISS");
		expect((await api(plain(prefix))).headers.get("x-cdn-cache")).toBe("HIT");
		const patched = await api(`/api/reels/${reel.id}`, { method: "PATCH", token: author.accessToken, json: { visibility: "private" } });
		expect(await json<Visible>(patched)).toMatchObject({ visibility: "private", video: { hls: expect.stringMatching(/^\/cdn\/s\//) } });
		expect((await api(plain(prefix))).status).toBe(404);
		await api(`/api/reels/${reel.id}`, { method: "PATCH", token: author.accessToken, json: { visibility: "public" } });
		expect((await api(plain(prefix))).status).toBe(200);
	});

	it("stops serving a reel's media once it is hidden by reports or deleted", async () => {
		const author = await registerUser();
		const { reel, prefix } = await post(author);
		expect((await api(plain(prefix))).status).toBe(200);
		const admin = await registerUser();
		const asAdmin = sawWrite(await setRole(admin.user.id, "admin"));
		// An admin's report weighs enough to hide at once.
		expect(
			(await api(`/api/reels/${reel.id}/report`, { method: "POST", token: admin.accessToken, headers: asAdmin, json: { reason: "spam" } }))
				.status,
		).toBe(202);
		expect((await api(plain(prefix))).status).toBe(404);
		// Its author still sees it, through signed URLs.
		const own = await json<Visible>(await api(`/api/reels/${reel.id}`, { token: author.accessToken, headers: await seenAll() }));
		expect((await api(own.video.hls as string)).status).toBe(200);

		const other = await post(author);
		expect((await api(plain(other.prefix))).status).toBe(200);
		expect((await api(`/api/reels/${other.reel.id}`, { method: "DELETE", token: author.accessToken })).status).toBe(204);
		expect((await api(plain(other.prefix))).status).toBe(404);
	});
});
