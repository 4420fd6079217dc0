import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../../lib/postgres/routed-database";
import { api, ownAddress, registerUser, type Session } from "../../test-support/api";
import { json, postReel, type Reel, seenAll } from "../../test-support/reels";
import { setRole } from "../../test-support/roles";
import type { PlaybackFigures } from "./playback-analytics";
import type { PlaybackEvent } from "./playback-schemas";
import { REPORT_WINDOW_MS } from "./playback-store";

type Figures = PlaybackFigures;
type Analytics = { figures: Figures; retention: number[]; byDay: { day: string; views: number; plays: number; watchSeconds: number }[] };

/** A reel of a new author whose video lasts `durationMs` (as the transcoder records it). */
async function reelLasting(durationMs: number) {
	const author = await registerUser();
	const reel = await postReel(author);
	await withDatabase(env, (db) => db.write((q) => q.execute(sql`UPDATE reels SET duration_ms = ${durationMs} WHERE id = ${reel.id}`)));
	return { author, reel };
}

type Who = { token?: string; deviceId?: string; ip?: string };

const report = (who: Who, events: Partial<PlaybackEvent>[], overrides: Partial<Env> = {}) =>
	api(
		"/api/playback",
		{
			method: "POST",
			token: who.token,
			headers: who.ip ? { "cf-connecting-ip": who.ip } : {},
			json: { deviceId: who.deviceId, events },
		},
		overrides,
	);

/** One event of view `viewId` of `reelId`; `at` grows with each call, as a player's clock does. */
let clock = Date.now();
const event = (viewId: string, reelId: string, type: PlaybackEvent["type"], fields: Partial<PlaybackEvent> = {}): PlaybackEvent => ({
	viewId,
	reelId,
	type,
	at: clock++,
	position: 0,
	watchedSeconds: 0,
	...fields,
});

async function analyticsOf(reelId: string, who: Session) {
	return api(`/api/reels/${reelId}/analytics`, { token: who.accessToken, headers: await seenAll() });
}

describe("playback reports and a reel's analytics", () => {
	it("add up exactly to a scripted set of views: plays, watch time, completion, retention, startup and rebuffering", async () => {
		const { author, reel } = await reelLasting(10_000);
		const fan = await registerUser();
		const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
		// A signed-in fan watches to the end (start, progress, end in three reports).
		expect(await json(await report({ token: fan.accessToken }, [event(a, reel.id, "start", { startupMs: 300 })]))).toEqual({
			accepted: 1,
			ignored: 0,
		});
		await report({ token: fan.accessToken }, [event(a, reel.id, "progress", { position: 5, watchedSeconds: 5 })]);
		await report({ token: fan.accessToken }, [event(a, reel.id, "end", { position: 10, watchedSeconds: 10 })]);
		// An anonymous viewer stalls once, errors and skips after 2 s, all in one report.
		await report({ deviceId: crypto.randomUUID(), ip: "203.0.113.20" }, [
			event(b, reel.id, "start", { startupMs: 900 }),
			event(b, reel.id, "rebuffer", { position: 1, watchedSeconds: 1, rebufferCount: 1, rebufferSeconds: 0.5 }),
			event(b, reel.id, "error", { position: 2, watchedSeconds: 2, rebufferCount: 1, rebufferSeconds: 0.5, error: "media_decode" }),
			event(b, reel.id, "end", { position: 2, watchedSeconds: 2, rebufferCount: 1, rebufferSeconds: 0.5 }),
		]);
		// Another watches it two and a half times (it loops).
		await report({ deviceId: crypto.randomUUID(), ip: "203.0.113.21" }, [
			event(c, reel.id, "start", { startupMs: 600 }),
			event(c, reel.id, "end", { position: 10, watchedSeconds: 25, loops: 2 }),
		]);

		const res = await analyticsOf(reel.id, author);
		expect(res.status).toBe(200);
		const got = await json<Analytics>(res);
		expect(got.figures).toEqual({
			views: 3,
			plays: 3,
			uniqueViewers: 3,
			watchSeconds: 37,
			averageWatchSeconds: expect.closeTo(37 / 3, 9),
			completionRate: expect.closeTo(2 / 3, 9),
			// percentile_cont over 300, 600, 900 ms.
			startupMs: { p50: 600, p90: 840 },
			rebufferRatio: expect.closeTo(0.5 / 37.5, 9),
			rebuffersPerPlay: expect.closeTo(1 / 3, 9),
			errorRate: expect.closeTo(1 / 3, 9),
		});
		// Past the first and second tenth: all three; past the rest: the two who reached the end.
		expect(got.retention).toEqual([1, 1, ...Array(8).fill(expect.closeTo(2 / 3, 9))]);
		expect(got.byDay).toEqual([{ day: new Date().toISOString().slice(0, 10), views: 3, plays: 3, watchSeconds: 37 }]);
		// The views counted toward the reel's viewCount, as POST /views would have.
		expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).viewCount).toBe(3);
	});

	it("answers 404 to anyone but the author or an admin, and 401 to nobody signed in", async () => {
		const { reel } = await reelLasting(5_000);
		const stranger = await registerUser();
		const notThere = await analyticsOf(reel.id, stranger);
		expect(notThere.status).toBe(404);
		expect(await json(notThere)).toMatchObject({ code: "reel_not_found" });
		expect((await analyticsOf(crypto.randomUUID(), stranger)).status).toBe(404);
		expect((await api(`/api/reels/${reel.id}/analytics`)).status).toBe(401);
		const admin = await registerUser();
		await setRole(admin.user.id, "admin");
		const asAdmin = await analyticsOf(reel.id, admin);
		expect(asAdmin.status).toBe(200);
		expect((await json<Analytics>(asAdmin)).figures.plays).toBe(0);
	});

	it("clamps inflated figures: no more watch time than has passed, no position past the end, no stalls longer than the view", async () => {
		const { author, reel } = await reelLasting(10_000);
		const view = crypto.randomUUID();
		const inflated = event(view, reel.id, "progress", {
			watchedSeconds: 86_400,
			position: 5_000,
			loops: 1000,
			rebufferSeconds: 86_400,
			rebufferCount: 10_000,
		});
		expect((await report({ deviceId: crypto.randomUUID() }, [inflated])).status).toBe(200);
		const rows = await withDatabase(env, (db) =>
			db.readFromPrimary((q) =>
				q.execute<{ watched_ms: number; furthest_ms: number; loops: number; rebuffer_ms: number; rebuffer_count: number }>(
					sql`SELECT watched_ms, furthest_ms, loops, rebuffer_ms, rebuffer_count FROM playback_views WHERE view_id = ${view}`,
				),
			),
		);
		const row = rows.rows[0];
		// The first report of a view may claim the report window, not a day; the reel's 10 s, not 5,000.
		expect(row?.watched_ms).toBeGreaterThanOrEqual(REPORT_WINDOW_MS);
		expect(row?.watched_ms).toBeLessThan(REPORT_WINDOW_MS + 5_000);
		expect(row?.furthest_ms).toBe(10_000);
		expect(row?.loops).toBe(5);
		expect(row?.rebuffer_ms).toBeLessThan(REPORT_WINDOW_MS + 5_000);
		expect(row?.rebuffer_count).toBe(1000);
		expect((await json<Analytics>(await analyticsOf(reel.id, author))).figures.watchSeconds).toBeLessThan(35);
	});

	it("takes a report twice without counting it twice, and takes a view's events only from its own viewer until it ends", async () => {
		const { author, reel } = await reelLasting(10_000);
		const fan = await registerUser();
		const other = await registerUser();
		const view = crypto.randomUUID();
		const start = [event(view, reel.id, "start", { startupMs: 400, watchedSeconds: 3, position: 3 })];
		expect(await json(await report({ token: fan.accessToken }, start))).toEqual({ accepted: 1, ignored: 0 });
		// The same report again (a retry after a lost answer): the same totals, nothing added.
		expect(await json(await report({ token: fan.accessToken }, start))).toEqual({ accepted: 1, ignored: 0 });
		// Someone else naming the fan's view id changes nothing.
		const hijack = [event(view, reel.id, "end", { watchedSeconds: 10, position: 10 })];
		expect(await json(await report({ token: other.accessToken }, hijack))).toEqual({ accepted: 0, ignored: 1 });
		expect(await json(await report({ deviceId: crypto.randomUUID() }, hijack))).toEqual({ accepted: 0, ignored: 1 });
		// The fan ends it; afterwards the view takes nothing more.
		await report({ token: fan.accessToken }, [event(view, reel.id, "end", { watchedSeconds: 4, position: 4 })]);
		expect(await json(await report({ token: fan.accessToken }, hijack))).toEqual({ accepted: 0, ignored: 1 });
		const { figures } = await json<Analytics>(await analyticsOf(reel.id, author));
		expect(figures).toMatchObject({ plays: 1, views: 1, watchSeconds: 4, completionRate: 0, startupMs: { p50: 400, p90: 400 } });
	});

	it("ignores views of a reel the caller may not see, and never stores them", async () => {
		const author = await registerUser();
		const video = await postReel(author);
		await api(`/api/reels/${video.id}`, { method: "PATCH", token: author.accessToken, json: { visibility: "private" } });
		const stranger = await registerUser();
		const view = crypto.randomUUID();
		const res = await report({ token: stranger.accessToken }, [event(view, video.id, "start", { startupMs: 100 })]);
		expect(await json(res)).toEqual({ accepted: 0, ignored: 1 });
		expect(await json(await report({ deviceId: crypto.randomUUID() }, [event(crypto.randomUUID(), crypto.randomUUID(), "start")]))).toEqual(
			{
				accepted: 0,
				ignored: 1,
			},
		);
		const stored = await withDatabase(env, (db) =>
			db.readFromPrimary((q) => q.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM playback_views WHERE reel_id = ${video.id}`)),
		);
		expect(stored.rows[0]?.n).toBe(0);
	});

	it("counts fake views from one address once: fresh device ids move neither viewCount nor the counted views rankings read", async () => {
		const { author, reel } = await reelLasting(10_000);
		const fakes = Array.from({ length: 20 }, () => crypto.randomUUID());
		for (const deviceId of fakes) {
			const view = crypto.randomUUID();
			await report({ deviceId, ip: "198.51.100.9" }, [
				event(view, reel.id, "start", { startupMs: 50 }),
				event(view, reel.id, "end", { watchedSeconds: 10, position: 10 }),
			]);
		}
		const { figures } = await json<Analytics>(await analyticsOf(reel.id, author));
		expect(figures.plays).toBe(20);
		expect(figures.views).toBe(1);
		expect((await json<Reel>(await api(`/api/reels/${reel.id}`, { headers: await seenAll() }))).viewCount).toBe(1);
		const counted = await withDatabase(env, (db) =>
			db.readFromPrimary((q) =>
				q.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM playback_views WHERE reel_id = ${reel.id} AND counted`),
			),
		);
		expect(counted.rows[0]?.n).toBe(1);
	});

	it("refuses a malformed report with a problem: no device id when anonymous, too many views, unknown types", async () => {
		const { reel } = await reelLasting(10_000);
		const noDevice = await report({}, [event(crypto.randomUUID(), reel.id, "start")]);
		expect(noDevice.status).toBe(400);
		expect(await json(noDevice)).toMatchObject({ code: "device_id_required" });
		const many = Array.from({ length: 11 }, () => event(crypto.randomUUID(), reel.id, "start"));
		const tooMany = await report({ deviceId: crypto.randomUUID() }, many);
		expect(tooMany.status).toBe(400);
		expect(tooMany.headers.get("content-type")).toMatch(/problem\+json/);
		const unknown = await report({ deviceId: crypto.randomUUID() }, [
			{ ...event(crypto.randomUUID(), reel.id, "start"), type: "pause" as never },
		]);
		expect(unknown.status).toBe(400);
		expect((await report({ deviceId: crypto.randomUUID() }, [])).status).toBe(400);
		const negative = await report({ deviceId: crypto.randomUUID() }, [
			event(crypto.randomUUID(), reel.id, "progress", { watchedSeconds: -1 }),
		]);
		expect(negative.status).toBe(400);
	});

	it("has its own hourly budget, apart from the quota browsing needs", async () => {
		const { reel } = await reelLasting(10_000);
		const tight = { QUOTA_PLAYBACK_PER_HOUR: "2", QUOTA_ANON_PER_HOUR: "1", QUOTA_USER_PER_HOUR: "3" } as Partial<Env>;
		const anon = { deviceId: crypto.randomUUID(), ip: "192.0.2.44" };
		const one = () => [event(crypto.randomUUID(), reel.id, "start")];
		expect((await report(anon, one(), tight)).status).toBe(200);
		expect((await report(anon, one(), tight)).status).toBe(200);
		const third = await report(anon, one(), tight);
		expect(third.status).toBe(429);
		expect(third.headers.get("ratelimit-policy")).toMatch(/^"playback-hourly"/);
		// The address's browsing quota (1 here) was not spent by the reports.
		expect((await api("/api/reels?limit=1", { headers: { "cf-connecting-ip": "192.0.2.44" } }, tight)).status).toBe(200);

		const fan = await registerUser();
		expect((await report({ token: fan.accessToken }, one(), tight)).status).toBe(200);
		expect((await report({ token: fan.accessToken }, one(), tight)).status).toBe(200);
		expect((await report({ token: fan.accessToken }, one(), tight)).status).toBe(429);
		// The user's own quota (3 here) is kept for what they do.
		for (let i = 0; i < 3; i++) expect((await api("/api/users/me", { token: fan.accessToken }, tight)).status).toBe(200);
		expect((await api("/api/users/me", { token: fan.accessToken }, tight)).status).toBe(429);
	});
});

describe("an account's analytics", () => {
	it("totals every reel of the account and lists the most viewed first", async () => {
		const author = await registerUser();
		const first = await postReel(author, "first");
		const second = await postReel(author, "second");
		await withDatabase(env, (db) =>
			db.write((q) => q.execute(sql`UPDATE reels SET duration_ms = 8000 WHERE id IN (${first.id}, ${second.id})`)),
		);
		const watch = (reelId: string, seconds: number) => {
			const view = crypto.randomUUID();
			return report({ deviceId: crypto.randomUUID(), ip: ownAddress() }, [
				event(view, reelId, "start", { startupMs: 200 }),
				event(view, reelId, "end", { watchedSeconds: seconds, position: Math.min(seconds, 8) }),
			]);
		};
		await watch(second.id, 8);
		await watch(second.id, 2);
		await watch(first.id, 8);
		const res = await api("/api/users/me/analytics?days=7", { token: author.accessToken, headers: await seenAll() });
		expect(res.status).toBe(200);
		const got = await json<{ figures: Figures; topReels: { reelId: string; caption: string; plays: number; completionRate: number }[] }>(
			res,
		);
		expect(got.figures).toMatchObject({ plays: 3, views: 3, watchSeconds: 18, completionRate: expect.closeTo(2 / 3, 9) });
		expect(got.topReels.map((r) => [r.caption, r.plays, r.completionRate])).toEqual([
			["second", 2, 0.5],
			["first", 1, 1],
		]);
		// Someone else's totals hold none of these.
		const other = await registerUser();
		const theirs = await json<{ figures: Figures }>(await api("/api/users/me/analytics", { token: other.accessToken }));
		expect(theirs.figures.plays).toBe(0);
		expect((await api("/api/users/me/analytics?days=91", { token: author.accessToken })).status).toBe(400);
	});
});
