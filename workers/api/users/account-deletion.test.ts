// Deleting an account: at once nothing of it admits, shows or counts; then its media is erased,
// and afterwards no row of any table (Postgres and D1) and no R2 object under any of its assets'
// keys names it.
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../../scripts/wait-for";
import { derivedPrefix } from "../../cdn/cdn-key";
import { mediaDb } from "../../lib/media-db/media-db";
import { withDatabase } from "../../lib/postgres/routed-database";
import { api, GOOD_PASSWORD, type Session, verifiedUser } from "../../test-support/api";
import { samplePng } from "../../test-support/media";
import { json, person, playableVideoOf, postReel, seenAll } from "../../test-support/reels";
import { NOBODY } from "./account-erasure-store";

type Counts = { likeCount: number; commentCount: number };
const reelCounts = async (id: string) => json<Counts>(await api(`/api/reels/${id}`, { headers: await seenAll() }));
const profile = async (id: string) =>
	json<{ followerCount: number; followingCount: number }>(await api(`/api/users/${id}`, { headers: await seenAll() }));

/** Everything the account made, through the API as its owner would. */
async function busyAccount() {
	const a = await verifiedUser("Ada Leaving");
	const b = await person("Ben");
	const c = await person("Cy");
	const upload = new FormData();
	upload.append("file", new File([samplePng()], "me.png", { type: "image/png" }));
	const picture = await json<{ id: string }>(await api("/cdn/upload", { method: "POST", token: a.accessToken, body: upload }));
	expect(
		(await api("/api/users/me", { method: "PATCH", token: a.accessToken, json: { avatarAssetId: picture.id, bio: "bye" } })).status,
	).toBe(200);
	const video = await playableVideoOf(a);
	const aReel = await json<{ id: string }>(await api("/api/reels", { method: "POST", token: a.accessToken, json: { video_id: video.id } }));
	const bReel = await postReel(b, "Ben's");
	const before = await reelCounts(bReel.id);
	// A's engagement on B's reel: a like, a comment C answers, a view.
	await api(`/api/reels/${bReel.id}/like`, { method: "POST", token: a.accessToken });
	const comment = await json<{ id: string }>(
		await api(`/api/reels/${bReel.id}/comments`, { method: "POST", token: a.accessToken, json: { text: "nice" } }),
	);
	await api(`/api/reels/${bReel.id}/comments`, { method: "POST", token: c.accessToken, json: { text: "agreed", replyTo: comment.id } });
	await api(`/api/reels/${bReel.id}/views`, { method: "POST", token: a.accessToken });
	// What A watched, shared and was not interested in: For You's signals, kept under A's viewer key.
	const view = crypto.randomUUID();
	await api("/api/playback", {
		method: "POST",
		token: a.accessToken,
		json: { events: [{ viewId: view, reelId: bReel.id, type: "end", at: 1, position: 1, watchedSeconds: 1 }] },
	});
	await api(`/api/reels/${bReel.id}/share`, { method: "POST", token: a.accessToken, json: { channel: "link" } });
	await api(`/api/reels/${bReel.id}/not-interested`, { method: "POST", token: a.accessToken, json: {} });
	// Others' engagement on A's reel, and follows both ways.
	await api(`/api/reels/${aReel.id}/like`, { method: "POST", token: b.accessToken });
	await api(`/api/reels/${aReel.id}/comments`, { method: "POST", token: b.accessToken, json: { text: "hi Ada" } });
	await api(`/api/users/${b.user.id}/follow`, { method: "POST", token: a.accessToken });
	await api(`/api/users/${a.user.id}/follow`, { method: "POST", token: c.accessToken });
	const key = await json<{ key: string }>(
		await api("/api/keys", { method: "POST", token: a.accessToken, json: { password: GOOD_PASSWORD, name: "ci", scopes: ["reels:read"] } }),
	);
	expect(
		(
			await api("/api/webhooks", {
				method: "POST",
				token: a.accessToken,
				json: { url: `${env.WEBHOOK_RECEIVER_URL}/hooks/leaving`, events: ["video.ready"] },
			})
		).status,
	).toBe(201);
	const stream = await json<{ id: string; videoId: string }>(
		await api("/api/live", { method: "POST", token: a.accessToken, json: { title: "last" } }),
	);
	return { a, b, c, picture, video, aReel, bReel, before, key: key.key, stream };
}

/** Every row of every Postgres table with a column equal to one of `values` (as text), by table and column. */
async function postgresRowsNaming(values: string[]): Promise<string[]> {
	return withDatabase(env, async (db) => {
		const { rows: columns } = await db.readFromPrimary((q) =>
			q.execute<{ table_name: string; column_name: string }>(sql`
				SELECT table_name, column_name FROM information_schema.columns
				WHERE table_schema = 'public' AND data_type IN ('uuid', 'text', 'character varying')`),
		);
		const found: string[] = [];
		for (const { table_name, column_name } of columns) {
			const { rows } = await db.readFromPrimary((q) =>
				q.execute<{ n: number }>(
					sql`SELECT count(*)::int AS n FROM ${sql.identifier(table_name)} WHERE ${sql.identifier(column_name)}::text IN (${sql.join(
						values.map((v) => sql`${v}`),
						sql`, `,
					)})`,
				),
			);
			if ((rows[0]?.n ?? 0) > 0) found.push(`${table_name}.${column_name}`);
		}
		return found;
	});
}

/** The same for every D1 table. */
async function d1RowsNaming(values: string[]): Promise<string[]> {
	const { results: tables } = await env.MEDIA_DB.prepare(
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'",
	).all<{ name: string }>();
	const found: string[] = [];
	for (const { name } of tables) {
		const { results: cols } = await env.MEDIA_DB.prepare(`PRAGMA table_info("${name}")`).all<{ name: string }>();
		for (const col of cols) {
			const hit = await env.MEDIA_DB.prepare(
				`SELECT count(*) AS n FROM "${name}" WHERE "${col.name}" IN (${values.map(() => "?").join(",")})`,
			)
				.bind(...values)
				.first<{ n: number }>();
			if ((hit?.n ?? 0) > 0) found.push(`${name}.${col.name}`);
		}
	}
	return found;
}

describe("DELETE /api/users/me", () => {
	it("refuses a wrong password and changes nothing", async () => {
		const a = await verifiedUser("Ada Staying");
		const res = await api("/api/users/me", { method: "DELETE", token: a.accessToken, json: { password: "not it at all 1" } });
		expect(res.status).toBe(403);
		expect((await api("/api/users/me", { token: a.accessToken })).status).toBe(200);
	});

	it("ends the account at once, corrects what others count, and then leaves no row and no object of it anywhere", {
		timeout: 60_000,
	}, async () => {
		const { a, b, c, picture, video, aReel, bReel, before, key, stream } = await busyAccount();
		const bFollowers = (await profile(b.user.id)).followerCount;
		const cFollowing = (await profile(c.user.id)).followingCount;
		const assetKeys = (
			await mediaDb(env)
				.run(sql`SELECT r2_key FROM assets WHERE owner_id = ${a.user.id}`)
				.then((r) => r.results as { r2_key: string }[])
		).map((r) => r.r2_key);
		expect(assetKeys.length).toBe(3); // the picture, the video, the live recording

		const res = await api("/api/users/me", { method: "DELETE", token: a.accessToken, json: { password: GOOD_PASSWORD } });
		expect(res.status).toBe(202);
		expect(await res.json()).toEqual({ status: "deleted", mediaErasedWithinSeconds: 3600 });

		// At once: nothing admits it.
		expect((await api("/api/users/me", { token: a.accessToken })).status).toBe(401);
		expect((await api("/api/reels", { token: key })).status).toBe(401);
		expect((await api("/api/auth/refresh", { method: "POST", json: { refreshToken: a.refreshToken } })).status).toBe(401);
		expect((await api("/api/auth/login", { method: "POST", json: { email: a.email, password: GOOD_PASSWORD } })).status).toBe(401);
		// Nothing shows it.
		expect((await api(`/api/users/${a.user.id}`, { headers: await seenAll() })).status).toBe(404);
		expect((await api(`/api/reels/${aReel.id}`, { headers: await seenAll() })).status).toBe(404);
		expect((await api(`/api/live/${stream.id}`)).status).toBe(404);
		// What others count of it is corrected: B's reel lost A's like, A's comment and C's reply to it.
		expect(await reelCounts(bReel.id)).toMatchObject({ likeCount: before.likeCount, commentCount: before.commentCount });
		expect((await profile(b.user.id)).followerCount).toBe(bFollowers - 1);
		expect((await profile(c.user.id)).followingCount).toBe(cFollowing - 1);

		// Then the media: every asset erased by the queue's consumer.
		await waitFor(
			"the account's media to be erased",
			async () =>
				(await env.MEDIA_DB.prepare("SELECT count(*) AS n FROM assets WHERE owner_id = ?").bind(a.user.id).first<{ n: number }>())?.n === 0,
			{ timeoutMs: 30_000, everyMs: 200 },
		);
		for (const k of assetKeys) {
			expect(await env.MEDIA.head(k), k).toBeNull();
			expect((await env.MEDIA.list({ prefix: derivedPrefix(k) })).objects, derivedPrefix(k)).toEqual([]);
		}
		const ids = [a.user.id, `u:${a.user.id}`, a.email, picture.id, video.id, aReel.id, stream.id, stream.videoId];
		expect(await postgresRowsNaming(ids)).toEqual([]);
		expect(await d1RowsNaming(ids)).toEqual([]);
		// What is kept carries nobody: the handle, held so nobody can pass for the account.
		const held = await withDatabase(env, (db) =>
			db.readFromPrimary((q) => q.execute<{ user_id: string }>(sql`SELECT user_id FROM held_handles WHERE handle = ${a.user.handle}`)),
		);
		expect(held.rows).toEqual([{ user_id: NOBODY }]);
		// And its old handle is not for the taking.
		const taker: Session = await person("Taker");
		const take = await api("/api/users/me", { method: "PATCH", token: taker.accessToken, json: { handle: a.user.handle } });
		expect(take.status).toBe(409);
	});
});
