import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../../lib/postgres/routed-database";
import { api, registerUser, type Session, verifiedUser } from "../../test-support/api";
import { json, postReel, seenAll } from "../../test-support/reels";
import { CAP_WINDOW, CREATOR_CAP } from "./for-you-page";
import { rankForYou } from "./for-you-store";
import { refreshReelScores } from "./reel-scores";

type Page = { items: { id: string; author: { id: string }; source: string }[]; nextCursor: string | null };

/** A creator with `n` public reels of 10 s each, captioned with `tag`. */
async function creator(n: number, tag: string) {
	const who = await verifiedUser(`Creator ${tag}`);
	const reels: string[] = [];
	for (let i = 0; i < n; i++) reels.push((await postReel(who, `#${tag} number ${i}`)).id);
	await withDatabase(env, (db) =>
		db.write((q) => q.execute(sql`UPDATE reels SET duration_ms = 10000 WHERE id = ANY(${`{${reels.join(",")}}`}::uuid[])`)),
	);
	return { who, reels };
}

const forYou = async (who: { token?: string; deviceId?: string }, cursor?: string, limit = 10) => {
	const q = new URLSearchParams({ limit: String(limit) });
	if (cursor) q.set("cursor", cursor);
	if (who.deviceId) q.set("deviceId", who.deviceId);
	return api(`/api/feed/for-you?${q}`, { token: who.token, headers: await seenAll() });
};

/** Plays `reelId` through to the end (or for `seconds`), as the player reports it. */
const watch = (who: { token?: string; deviceId?: string }, reelId: string, seconds = 10) => {
	const view = crypto.randomUUID();
	return api("/api/playback", {
		method: "POST",
		token: who.token,
		json: {
			deviceId: who.deviceId,
			events: [
				{ viewId: view, reelId, type: "start", at: 1, position: 0, watchedSeconds: 0, startupMs: 100 },
				{ viewId: view, reelId, type: "end", at: 2, position: seconds, watchedSeconds: seconds },
			],
		},
	});
};

function capHolds(authors: string[]): boolean {
	for (let i = 0; i < authors.length; i++) {
		const window = authors.slice(i, i + CAP_WINDOW);
		if (window.some((a) => window.filter((x) => x === a).length > CREATOR_CAP)) return false;
	}
	return true;
}

async function scoreOf(viewer: Session, reelId: string): Promise<number | undefined> {
	const token = (await seenAll())["x-consistency-token"] ?? "0/0";
	const ranked = await withDatabase(env, (db) => {
		db.readAtLeast(token);
		return rankForYou(db, { key: `u:${viewer.user.id}`, userId: viewer.user.id }, []);
	});
	return ranked.find((c) => c.id === reelId)?.score;
}

describe("For You", () => {
	it("pages without repeating a reel, never gives one creator more than 2 of 10 consecutive slots, and drops what was watched to the end", {
		timeout: 60_000,
	}, async () => {
		const tag = `prolific${crypto.randomUUID().slice(0, 6)}`;
		const star = await creator(6, tag);
		const viewer = await registerUser();
		// The viewer loves this creator: everything of theirs ranks high, so only the cap holds them back.
		await watch({ token: viewer.accessToken }, star.reels[0] as string);
		await watch({ token: viewer.accessToken }, star.reels[1] as string);

		const served: Page["items"] = [];
		let cursor: string | undefined;
		for (let i = 0; i < 3; i++) {
			const res = await forYou({ token: viewer.accessToken }, cursor);
			expect(res.status).toBe(200);
			const page = await json<Page>(res);
			served.push(...page.items);
			if (!page.nextCursor) break;
			cursor = page.nextCursor;
		}
		const ids = served.map((r) => r.id);
		expect(new Set(ids).size).toBe(ids.length);
		expect(capHolds(served.map((r) => r.author.id))).toBe(true);
		// The creator came back, from what the viewer watched, but not the reels watched to the end.
		const theirs = served.filter((r) => r.author.id === star.who.user.id);
		expect(theirs.length).toBeGreaterThan(0);
		expect(theirs.map((r) => r.source)).toContain("creator");
		expect(ids).not.toContain(star.reels[0]);
		expect(ids).not.toContain(star.reels[1]);
		// Their own reels are never in their For You.
		const mine = await creator(1, "self");
		const own = await json<Page>(await forYou({ token: mine.who.accessToken }));
		expect(own.items.map((r) => r.author.id)).not.toContain(mine.who.user.id);
	});

	it("learns an anonymous viewer's taste by their device id, and forgets nothing between requests", { timeout: 60_000 }, async () => {
		const tag = `anon${crypto.randomUUID().slice(0, 6)}`;
		const liked = await creator(3, tag);
		const device = { deviceId: crypto.randomUUID() };
		await watch(device, liked.reels[0] as string);
		const page = await json<Page>(await forYou(device, undefined, 20));
		const ids = page.items.map((r) => r.id);
		expect(ids).not.toContain(liked.reels[0]);
		expect(page.items.filter((r) => r.author.id === liked.who.user.id).map((r) => r.source)).toContain("creator");
		// Without a device id there is no history: the watched reel may well come back.
		expect((await forYou({})).status).toBe(200);
	});

	it("takes a 'not interested' reel out for good and ranks its creator and hashtags lower", { timeout: 60_000 }, async () => {
		const tag = `meh${crypto.randomUUID().slice(0, 6)}`;
		const c = await creator(3, tag);
		const viewer = await registerUser();
		await watch({ token: viewer.accessToken }, c.reels[0] as string, 6);
		const before = await scoreOf(viewer, c.reels[2] as string);
		expect(before).toBeDefined();
		const res = await api(`/api/reels/${c.reels[1]}/not-interested`, { method: "POST", token: viewer.accessToken, json: {} });
		expect(res.status).toBe(204);
		// Saying it twice changes nothing.
		expect((await api(`/api/reels/${c.reels[1]}/not-interested`, { method: "POST", token: viewer.accessToken, json: {} })).status).toBe(
			204,
		);
		const after = await scoreOf(viewer, c.reels[2] as string);
		// The creator's other reel: its creator and hashtag affinities turned against it.
		expect(after).toBeLessThan((before as number) - 3);
		const page = await json<Page>(await forYou({ token: viewer.accessToken }, undefined, 20));
		expect(page.items.map((r) => r.id)).not.toContain(c.reels[1]);
		expect(await scoreOf(viewer, c.reels[1] as string)).toBeUndefined();

		// Undone (twice: idempotent): the reel is a candidate again and its creator's other reel scores as before.
		for (let i = 0; i < 2; i++) {
			expect((await api(`/api/reels/${c.reels[1]}/not-interested`, { method: "DELETE", token: viewer.accessToken })).status).toBe(204);
		}
		expect(await scoreOf(viewer, c.reels[1] as string)).toBeDefined();
		// As before, within what a few seconds of freshness decay move (the mark cost it more than 3).
		expect(Math.abs(((await scoreOf(viewer, c.reels[2] as string)) as number) - (before as number))).toBeLessThan(0.5);
	});

	it("takes a share as a strong 'more of this' for the reel's creator and hashtags, once, for reels the caller can see", {
		timeout: 60_000,
	}, async () => {
		const tag = `yay${crypto.randomUUID().slice(0, 6)}`;
		const c = await creator(3, tag);
		const viewer = await registerUser();
		await watch({ token: viewer.accessToken }, c.reels[0] as string, 6);
		const before = await scoreOf(viewer, c.reels[2] as string);
		expect(before).toBeDefined();
		const share = (reelId: string, json: unknown, token: string | null = viewer.accessToken) =>
			api(`/api/reels/${reelId}/share`, { method: "POST", token: token ?? undefined, json });
		for (let i = 0; i < 2; i++) expect((await share(c.reels[1] as string, { channel: "link" })).status).toBe(204);
		const after = await scoreOf(viewer, c.reels[2] as string);
		// A watch of 6 s of 10 was worth 0.6 to the creator; the share adds 2 (counted once).
		expect(after).toBeGreaterThan((before as number) + 1.5);
		expect(after).toBeLessThan((before as number) + 3);

		const anonymous = await share(c.reels[1] as string, { channel: "embed" }, null);
		expect(anonymous.status).toBe(400);
		expect(await json(anonymous)).toMatchObject({ code: "device_id_required" });
		expect((await share(c.reels[1] as string, { channel: "fax" })).status).toBe(400);
		await api(`/api/reels/${c.reels[2]}`, { method: "PATCH", token: c.who.accessToken, json: { visibility: "private" } });
		expect((await share(c.reels[2] as string, { channel: "link" })).status).toBe(404);
		// A device shares as well as an account.
		expect((await share(c.reels[0] as string, { channel: "system", deviceId: crypto.randomUUID() }, null)).status).toBe(204);
	});

	it("refuses a forged cursor, a 'not interested' without a viewer, and one for a reel the caller cannot see", async () => {
		const viewer = await registerUser();
		const forged = await forYou({ token: viewer.accessToken }, "bm90LWEtY3Vyc29y");
		expect(forged.status).toBe(400);
		expect(await json(forged)).toMatchObject({ code: "invalid_cursor" });
		const c = await creator(1, "private");
		await api(`/api/reels/${c.reels[0]}`, { method: "PATCH", token: c.who.accessToken, json: { visibility: "private" } });
		const hidden = await api(`/api/reels/${c.reels[0]}/not-interested`, { method: "POST", token: viewer.accessToken, json: {} });
		expect(hidden.status).toBe(404);
		const anonymous = await api(`/api/reels/${crypto.randomUUID()}/not-interested`, { method: "POST", json: {} });
		expect(anonymous.status).toBe(400);
		expect(await json(anonymous)).toMatchObject({ code: "device_id_required" });
		const undoAnonymous = await api(`/api/reels/${crypto.randomUUID()}/not-interested`, { method: "DELETE" });
		expect(undoAnonymous.status).toBe(400);
		expect(await json(undoAnonymous)).toMatchObject({ code: "device_id_required" });
	});

	it("scores a reel's quality from counted plays and accounts' shares only: a crowd of device ids from one address is one play and no share", {
		timeout: 60_000,
	}, async () => {
		const c = await creator(1, "fake");
		const reelId = c.reels[0] as string;
		for (let i = 0; i < 15; i++) {
			await api("/api/playback", {
				method: "POST",
				headers: { "cf-connecting-ip": "198.51.100.77" },
				json: {
					deviceId: crypto.randomUUID(),
					events: [{ viewId: crypto.randomUUID(), reelId, type: "end", at: 1, position: 10, watchedSeconds: 10 }],
				},
			});
		}
		// Shares: a crowd of device ids counts for nothing in the reel's quality; accounts do.
		const share = (init: { token?: string; deviceId?: string }) =>
			api(`/api/reels/${reelId}/share`, {
				method: "POST",
				token: init.token,
				headers: { "cf-connecting-ip": "198.51.100.77" },
				json: { channel: "link", ...(init.deviceId ? { deviceId: init.deviceId } : {}) },
			});
		for (let i = 0; i < 5; i++) expect((await share({ deviceId: crypto.randomUUID() })).status).toBe(204);
		for (const who of [await registerUser(), await registerUser()]) expect((await share({ token: who.accessToken })).status).toBe(204);
		await refreshReelScores(env);
		const { rows } = await withDatabase(env, (db) =>
			db.readFromPrimary((q) =>
				q.execute<{ plays: number; completions: number; shares: number }>(
					sql`SELECT plays, completions, shares FROM reel_scores WHERE reel_id = ${reelId}`,
				),
			),
		);
		expect(rows[0]).toEqual({ plays: 1, completions: 1, shares: 2 });
	});
});
