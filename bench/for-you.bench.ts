// Does For You learn? Simulated viewers with hidden tastes (two favourite topics of twelve)
// watch what a feed serves them, session after session, through the real API: they complete a
// reel of a favourite topic with probability 0.85 and any other with 0.1, and skip the rest
// (mostly within two seconds). Half read For You (`/api/feed/for-you`, by device id), half the
// trending feed (`/api/feed`, anonymous) in the same run, on the same reels; both report every
// play (`POST /api/playback`), so both feed the reels' quality scores and the crons run between
// sessions as in production. Printed per session: each group's mean watch-through (seconds
// watched over the reel's length, at most 1); then which session For You first passes trending and
// reaches 1.5×, and what share of For You's slots went to reels published during the run.
// Run: npm run bench:for-you   (BENCH_VIEWERS per group, BENCH_SESSIONS, BENCH_SEED)
import pg from "pg";
import { startDevStack } from "../scripts/dev-stack-process.ts";
import { connectionUrls } from "../scripts/postgres-cluster.ts";
import { LIFTED_QUOTAS } from "./load/lifted-quotas.ts";
import { expectStatus } from "./support/latency.ts";

const VIEWERS = Number(process.env.BENCH_VIEWERS ?? 40);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 8);
const SEED = Number(process.env.BENCH_SEED ?? 20261203);
const PAGES_PER_SESSION = 2;
const PAGE = 10;
const TOPICS = ["dance", "food", "travel", "music", "pets", "comedy", "sports", "art", "science", "fashion", "gaming", "nature"];
const CREATORS_PER_TOPIC = 10;
const REELS_PER_CREATOR = 10;
/** Published by new creators just before the first session: the reels a feed must still give a chance. */
const NEW_REELS_PER_TOPIC = 4;
const DURATION_S = 15;
const CONCURRENCY = 8;
const P_COMPLETE_LIKED = 0.85;
const P_COMPLETE_OTHER = 0.1;

/** mulberry32: a small seeded generator, so a run's viewers and choices repeat. */
function rng(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function uuid4(next: () => number): string {
	const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
	hex[12] = "4";
	hex[16] = "89ab"[Math.floor(next() * 4)] as string;
	const h = hex.join("");
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

interface Viewer {
	n: number;
	feed: "for-you" | "trending";
	deviceId: string;
	ip: string;
	tastes: Set<string>;
	next: () => number;
	cursor?: string | undefined;
}

interface Card {
	id: string;
	hashtags: string[];
}

/** What one reel did to one viewer: watched seconds, and the events their player would report. */
function watch(viewer: Viewer, card: Card) {
	const topic = card.hashtags[0] ?? "";
	const liked = viewer.tastes.has(topic);
	const r = viewer.next();
	const completes = r < (liked ? P_COMPLETE_LIKED : P_COMPLETE_OTHER);
	// Not completed: mostly a quick skip, sometimes a few seconds' look.
	const watched = completes ? DURATION_S : viewer.next() < 0.75 ? 0.4 + viewer.next() * 1.4 : 3 + viewer.next() * 6;
	const viewId = uuid4(viewer.next);
	const at = Date.now();
	const base = { viewId, reelId: card.id, at, position: 0, watchedSeconds: 0 };
	return {
		watchThrough: Math.min(watched / DURATION_S, 1),
		events: [
			{ ...base, type: "start", startupMs: 150 },
			{ ...base, type: "end", at: at + 1, position: watched, watchedSeconds: watched },
		],
	};
}

async function load(client: pg.Client, next: () => number) {
	const creators: { id: string; topic: string; isNew: boolean }[] = [];
	for (const topic of TOPICS)
		for (let k = 0; k < CREATORS_PER_TOPIC + 1; k++) creators.push({ id: uuid4(next), topic, isNew: k === CREATORS_PER_TOPIC });
	await client.query(
		`INSERT INTO users (id, email, name) SELECT id, 'sim' || n || '@bench.test', 'Sim creator ' || n
		 FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
		[creators.map((c) => c.id)],
	);
	const reels: unknown[][] = [];
	for (const c of creators) {
		const count = c.isNew ? NEW_REELS_PER_TOPIC : REELS_PER_CREATOR;
		for (let i = 0; i < count; i++) {
			// Old reels: 4 to 25 days old, with popularity that has nothing to do with any topic (the crowd's
			// tastes are spread evenly); new ones: published in the last hour, unseen.
			const ageHours = c.isNew ? next() : 96 + next() * 500;
			const views = c.isNew ? 0 : Math.floor(Math.exp(next() * 8));
			reels.push([c.id, c.topic, `${c.topic}-${Math.floor(next() * 5)}`, ageHours, views, Math.floor(views / (10 + next() * 20))]);
		}
	}
	const columns = (i: number) => reels.map((r) => r[i]);
	const { rows } = await client.query<{ id: string; fresh: boolean }>(
		`INSERT INTO reels (id, author_id, video_asset_id, video_key, caption, hashtags, search, media_status, playback, duration_ms,
		                    view_count, like_count, created_at)
		 SELECT gen_random_uuid(), t.author, gen_random_uuid(), 'sim/' || t.n || '.mp4', 'a ' || t.topic || ' reel #' || t.topic,
		        ARRAY[t.topic, t.sub], to_tsvector('simple', t.topic), 'ready', '{"hls": "/cdn/sim/hls/master.m3u8"}'::jsonb, ${DURATION_S * 1000},
		        t.views, t.likes, now() - t.age_hours * interval '1 hour'
		 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::float8[], $5::int[], $6::int[]) WITH ORDINALITY
		      AS t(author, topic, sub, age_hours, views, likes, n)
		 RETURNING id, created_at > now() - interval '2 hours' AS fresh`,
		[columns(0), columns(1), columns(2), columns(3), columns(4), columns(5)],
	);
	for (const table of ["reels", "users"]) await client.query(`VACUUM ANALYZE ${table}`);
	return new Set(rows.filter((r) => r.fresh).map((r) => r.id));
}

async function main() {
	const next = rng(SEED);
	const stack = await startDevStack("bench-for-you", {
		fresh: true,
		vars: LIFTED_QUOTAS,
	});
	try {
		const client = new pg.Client({ connectionString: connectionUrls(stack.cluster).primaryUrl });
		await client.connect();
		const newReels = await load(client, next);
		await client.end();
		const cron = async () => expectStatus(await fetch(`${stack.baseUrl}/__scheduled?cron=*/5+*+*+*+*`), 200, "the five-minute cron");
		await cron();

		const viewers: Viewer[] = Array.from({ length: 2 * VIEWERS }, (_, n) => {
			const own = rng(SEED + 1 + n);
			const first = Math.floor(own() * TOPICS.length);
			const second = (first + 1 + Math.floor(own() * (TOPICS.length - 1))) % TOPICS.length;
			return {
				n,
				feed: n % 2 === 0 ? "for-you" : "trending",
				deviceId: uuid4(own),
				ip: `10.${40 + (n >> 8)}.${n & 255}.7`,
				tastes: new Set([TOPICS[first] as string, TOPICS[second] as string]),
				next: own,
			};
		});

		const results: Record<"for-you" | "trending", number[][]> = { "for-you": [], trending: [] };
		let forYouSlots = 0;
		let newReelSlots = 0;
		const newReelsServed = new Set<string>();
		console.log(
			`${VIEWERS} viewers per feed, ${SESSIONS} sessions of ${PAGES_PER_SESSION * PAGE} reels; ${TOPICS.length * CREATORS_PER_TOPIC * REELS_PER_CREATOR} reels and ${newReels.size} new ones`,
		);
		console.log(`${"session".padEnd(8)} ${"For You".padStart(8)} ${"trending".padStart(9)}   ratio`);
		for (let session = 0; session < SESSIONS; session++) {
			const through: Record<"for-you" | "trending", number[]> = { "for-you": [], trending: [] };
			let i = 0;
			const session1 = async (v: Viewer) => {
				if (v.feed === "for-you") v.cursor = undefined; // For You: a new session starts at the top
				for (let p = 0; p < PAGES_PER_SESSION; p++) {
					const q = new URLSearchParams({ limit: String(PAGE) });
					if (v.cursor) q.set("cursor", v.cursor);
					if (v.feed === "for-you") q.set("deviceId", v.deviceId);
					const path = v.feed === "for-you" ? "/api/feed/for-you" : "/api/feed";
					const res = await expectStatus(await fetch(`${stack.baseUrl}${path}?${q}`, { headers: { "cf-connecting-ip": v.ip } }), 200, path);
					const page = (await res.json()) as { items: Card[]; nextCursor: string | null };
					// The trending feed runs out of its epoch: start it again, as a person pulling to refresh would.
					v.cursor = page.nextCursor ?? undefined;
					if (!page.items.length) continue;
					const watched = page.items.map((card) => watch(v, card));
					for (const w of watched) through[v.feed].push(w.watchThrough);
					if (v.feed === "for-you")
						for (const card of page.items) {
							forYouSlots++;
							if (newReels.has(card.id)) {
								newReelSlots++;
								newReelsServed.add(card.id);
							}
						}
					await expectStatus(
						await fetch(`${stack.baseUrl}/api/playback`, {
							method: "POST",
							headers: { "content-type": "application/json", "cf-connecting-ip": v.ip },
							body: JSON.stringify({ deviceId: v.deviceId, events: watched.flatMap((w) => w.events) }),
						}),
						200,
						"playback report",
					);
				}
			};
			await Promise.all(
				Array.from({ length: CONCURRENCY }, async () => {
					while (i < viewers.length) await session1(viewers[i++] as Viewer);
				}),
			);
			const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
			const fy = mean(through["for-you"]);
			const tr = mean(through.trending);
			results["for-you"].push(through["for-you"]);
			results.trending.push(through.trending);
			console.log(`${String(session + 1).padEnd(8)} ${fy.toFixed(3).padStart(8)} ${tr.toFixed(3).padStart(9)}   ${(fy / tr).toFixed(2)}x`);
			await cron(); // reel scores and trending, as every five minutes in production
		}

		const means = (g: "for-you" | "trending") => results[g].map((xs) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1));
		const fy = means("for-you");
		const tr = means("trending");
		const ratios = fy.map((x, s) => Math.round((x / (tr[s] as number)) * 100) / 100);
		const firstSession = (goal: number) => {
			const s = ratios.findIndex((r) => r >= goal);
			return s < 0 ? null : s + 1;
		};
		console.log(
			`For You passes trending in session ${firstSession(1.0001) ?? "never"}, reaches 1.5x in session ${firstSession(1.5) ?? "never"}; ` +
				`new reels: ${newReelsServed.size} of ${newReels.size} served, ${((100 * newReelSlots) / Math.max(forYouSlots, 1)).toFixed(1)}% of For You's slots`,
		);
		console.log(
			JSON.stringify({
				bench: "for-you",
				viewersPerFeed: VIEWERS,
				sessions: SESSIONS,
				watchThroughRatioBySession: ratios,
				session5Ratio: ratios[4] ?? null,
				passesTrendingInSession: firstSession(1.0001),
				reaches1_5xInSession: firstSession(1.5),
				newReelsServedShare: Math.round((newReelsServed.size / Math.max(newReels.size, 1)) * 100) / 100,
				newReelSlotShare: Math.round((newReelSlots / Math.max(forYouSlots, 1)) * 1000) / 1000,
			}),
		);
	} finally {
		await stack.stop();
	}
}

await main();
