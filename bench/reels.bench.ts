// The social plane at size: 100k reels, 1M likes, 5k creators and 10k viewers' playback history
// (300k plays) in the dev stack's Postgres (loaded once, kept in .local/pg-bench), then feed, For You, search,
// hashtag and list latency through wrangler dev (p50/p99), each against the
// same run's baseline (a profile read, the simplest replica query), and the
// share of reads the replica served. BENCH_EXPLAIN=1 prints the plans; BENCH_PROFILE=1 the isolate's time.
// Run: npm run bench:reels
import pg from "pg";
import { registerOn, startDevStack } from "../scripts/dev-stack-process.ts";
import { connectionUrls } from "../scripts/postgres-cluster.ts";
import { startCpuProfile } from "./support/cpu-profile.ts";
import { expectStatus, measure, readSources, report } from "./support/latency.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const REELS = 100_000;
const CREATORS = 5_000;
const LIKES_PER_REEL = 10;
const HISTORY_VIEWERS = 10_000;
const PLAYS_PER_VIEWER = 30;

const LOAD = [
	`INSERT INTO users (id, email, name)
	 SELECT gen_random_uuid(), 'creator' || n || '@bench.test', (ARRAY['Ada','Linus','Grace','Alan','Ken','Barbara','Margaret','Dennis'])[1 + n % 8] || ' Creator ' || n
	 FROM generate_series(1, ${CREATORS}) n`,
	`CREATE TEMP TABLE bench_creators AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE email LIKE '%@bench.test'`,
	// UUIDv7-shaped ids from each reel's creation time, so ids order like real ones.
	`INSERT INTO reels (id, author_id, video_asset_id, video_key, caption, hashtags, search, media_status, playback, duration_ms, view_count, created_at)
	 SELECT (lpad(to_hex((extract(epoch FROM t.ts) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid,
	        c.id, gen_random_uuid(), 'bench/' || t.n || '.mp4', t.caption, t.tags,
	        setweight(to_tsvector('simple', array_to_string(t.tags, ' ')), 'A') || setweight(to_tsvector('english', t.caption), 'B'),
	        'ready', '{"hls": "/cdn/bench/hls/master.m3u8"}'::jsonb, 15000, (random() * 5000)::int, t.ts
	 FROM (SELECT n, now() - random() * interval '30 days' AS ts,
	              (ARRAY['sunset','coffee','skate','cooking','puppy','guitar','rain','city'])[1 + n % 8] || ' vibes number ' || n || ' with friends dancing' AS caption,
	              ARRAY[(ARRAY['dance','food','travel','music','pets','comedy','sports','art'])[1 + n % 8], 'tag' || (n % 500)] AS tags
	       FROM generate_series(1, ${REELS}) n) t
	 JOIN bench_creators c ON c.n = 1 + t.n % ${CREATORS}`,
	`CREATE TEMP TABLE bench_reels AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM reels WHERE video_key LIKE 'bench/%'`,
	`INSERT INTO likes (reel_id, user_id)
	 SELECT r.id, c.id FROM bench_reels r CROSS JOIN generate_series(0, ${LIKES_PER_REEL - 1}) k
	 JOIN bench_creators c ON c.n = 1 + (r.n * 7 + k * 13) % ${CREATORS}`,
	`UPDATE reels SET like_count = ${LIKES_PER_REEL} WHERE video_key LIKE 'bench/%'`,
];

// Each history viewer (an anonymous device) leans to one of the eight topics: most of their plays are
// of it and complete; the rest are quick skips. The reels' tags repeat every 8, so n % 8 is the topic.
/** Viewer v's device id: a version-4 uuid (what the API accepts) made from v. */
const deviceOf = (v: string) => `(overlay(overlay(md5('bench-viewer' || ${v}) placing '4' from 13) placing '8' from 17))::uuid`;

const HISTORY = `INSERT INTO playback_views (view_id, reel_id, viewer, counted, started_at, ended_at, watched_ms, furthest_ms, completed)
	SELECT gen_random_uuid(), r.id, 'd:' || ${deviceOf("t.v")}, true, t.at, t.at + interval '20 seconds',
	       CASE WHEN t.liked THEN 15000 ELSE 900 END, CASE WHEN t.liked THEN 15000 ELSE 900 END, t.liked
	FROM (SELECT v, k, k % 5 <> 0 AS liked, now() - random() * interval '29 days' AS at
	      FROM generate_series(1, ${HISTORY_VIEWERS}) v CROSS JOIN generate_series(1, ${PLAYS_PER_VIEWER}) k) t
	JOIN reels r ON r.video_key = 'bench/' || (8 * (1 + (t.v * 31 + t.k * 977) % ${REELS / 8 - 1}) + CASE WHEN t.liked THEN t.v % 8 ELSE (t.v + t.k) % 8 END) || '.mp4'`;

/** The history's first device id: the anonymous For You scenario reads as them. */
const historyDevice = async (client: pg.Client) =>
	(await client.query<{ id: string }>(`SELECT ${deviceOf("1")}::text AS id`)).rows[0]?.id as string;

async function loadHistory(client: pg.Client) {
	// Loaded already when the last viewer has all their plays (a history of another shape is replaced).
	const { rows } = await client.query<{ n: number }>(
		`SELECT count(*)::int AS n FROM playback_views WHERE viewer = 'd:' || ${deviceOf(String(HISTORY_VIEWERS))}`,
	);
	if ((rows[0]?.n ?? 0) >= PLAYS_PER_VIEWER) return;
	const started = performance.now();
	await client.query("DELETE FROM playback_views WHERE viewer LIKE 'd:%'");
	await client.query(HISTORY);
	await client.query("VACUUM ANALYZE playback_views");
	console.log(
		`loaded ${HISTORY_VIEWERS * PLAYS_PER_VIEWER} plays of ${HISTORY_VIEWERS} viewers in ${((performance.now() - started) / 1000).toFixed(1)} s`,
	);
}

async function load(client: pg.Client) {
	const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM reels WHERE video_key LIKE 'bench/%'");
	if ((rows[0]?.n ?? 0) >= REELS) {
		console.log(`(data already loaded: ${rows[0]?.n} bench reels)`);
		return loadHistory(client);
	}
	const started = performance.now();
	await client.query("BEGIN");
	for (const statement of LOAD) await client.query(statement);
	await client.query("COMMIT");
	// One statement each: several in one query string run as one implicit transaction, where VACUUM is refused.
	for (const table of ["reels", "likes", "users"]) await client.query(`VACUUM ANALYZE ${table}`);
	console.log(`loaded ${REELS} reels and ${REELS * LIKES_PER_REEL} likes in ${((performance.now() - started) / 1000).toFixed(1)} s`);
	await loadHistory(client);
}

async function main() {
	const stack = await startDevStack("bench", {
		vars: { QUOTA_ANON_PER_HOUR: "1000000", QUOTA_USER_PER_HOUR: "1000000", QUOTA_AUTH_PER_HOUR: "1000000" },
	});
	try {
		const client = new pg.Client({ connectionString: connectionUrls(stack.cluster).primaryUrl });
		client.on("error", (err) => console.error(`postgres: ${err.message}\n--- stack output ---\n${stack.output().slice(-3000)}`));
		await client.connect();
		await load(client);
		const { accessToken, user } = await registerOn(stack.baseUrl, { name: "Viewer", ip: "10.9.0.1" });
		await client.query(
			`INSERT INTO follows (follower_id, followee_id) SELECT $1, id FROM users WHERE email LIKE '%@bench.test' ORDER BY id LIMIT 50 ON CONFLICT DO NOTHING`,
			[user.id],
		);
		// The signed-in viewer's own history: 300 plays, as long as For You reads.
		await client.query(
			`INSERT INTO playback_views (view_id, reel_id, viewer, user_id, counted, started_at, ended_at, watched_ms, furthest_ms, completed)
			 SELECT gen_random_uuid(), r.id, 'u:' || $1, $1::uuid, true, now() - (n || ' hours')::interval, now() - (n || ' hours')::interval,
			        15000, 15000, n % 3 <> 0
			 FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM reels WHERE video_key LIKE 'bench/%' AND 'tag42' = ANY(hashtags) LIMIT 300) r`,
			[user.id],
		);
		const device = await historyDevice(client);
		// Trending and the reels' quality scores (reel_scores), as every five minutes.
		await expectStatus(await fetch(`${stack.baseUrl}/__scheduled?cron=*/5+*+*+*+*`), 200, "five-minute cron");
		const someone = (await client.query<{ id: string }>("SELECT id FROM users WHERE email LIKE '%@bench.test' LIMIT 1")).rows[0]?.id;
		if (process.env.BENCH_EXPLAIN) await explain(client, user.id);
		await client.end();
		await new Promise((r) => setTimeout(r, 1000)); // the replica replays the load's tail

		const feedPage2 = (await (
			await fetch(`${stack.baseUrl}/api/feed?limit=20`, { headers: { authorization: `Bearer ${accessToken}` } })
		).json()) as {
			nextCursor: string;
		};
		const servedBy = readSources();
		const get = (name: string, path: string, auth = false) => ({
			name,
			run: async (round: number) => {
				const res = await fetch(`${stack.baseUrl}${path}`, {
					headers: {
						"cf-connecting-ip": `10.9.${name.length}.${Math.abs(round) % 16}`,
						// The queries are measured, not the isolate's shared anonymous answers (workers/lib/http/shared-reads.ts).
						"cache-control": "no-cache",
						...(auth ? { authorization: `Bearer ${accessToken}` } : {}),
					},
				});
				await expectStatus(res, 200, name);
				await res.arrayBuffer();
				if (round >= 0) servedBy.record(res);
			},
		});
		const samples = await measure(
			[
				get("profile (baseline)", `/api/users/${someone}`),
				get("feed, signed in, p1", "/api/feed?limit=20", true),
				get("feed, signed in, p2", `/api/feed?limit=20&cursor=${feedPage2.nextCursor}`, true),
				get("feed, anonymous", "/api/feed?limit=20"),
				get("for you, signed in, p1", "/api/feed/for-you?limit=10", true),
				get("for you, device, p1", `/api/feed/for-you?limit=10&deviceId=${device}`),
				get("search 'coffee dancing'", "/api/search?q=coffee+dancing&limit=20"),
				get("search creators 'grace'", "/api/search?q=grace&type=users&limit=20"),
				get("hashtag #tag42", "/api/hashtags/tag42/reels?limit=20"),
				get("reels, newest", "/api/reels?limit=20"),
			],
			ROUNDS,
		);
		// BENCH_PROFILE=1: the isolate's busy time a request (DevTools profile, sequential requests) for
		// the baseline and For You, and where it went: what the ratios above cannot tell apart.
		if (process.env.BENCH_PROFILE) {
			for (const scenario of [
				get("profile (baseline)", `/api/users/${someone}`),
				get("for you, signed in, p1", "/api/feed/for-you?limit=10", true),
			]) {
				const stop = await startCpuProfile(stack.inspectorPort);
				for (let i = 0; i < 50; i++) await scenario.run(-1);
				const profile = await stop(12);
				console.log(`${scenario.name}: ${(profile.busyMs / 50).toFixed(2)} ms of the isolate a request`, profile.top);
			}
		}
		const ratios = report(`social plane with ${REELS} reels and ${REELS * LIKES_PER_REEL} likes, ${ROUNDS} requests per scenario`, samples);
		console.log(`reads served by: ${servedBy.shares()}`);
		console.log(JSON.stringify({ bench: "reels", rounds: ROUNDS, ...ratios }));
	} finally {
		await stack.stop();
	}
}

/** The plans of the list queries in the shape workers/api/reels/reel-cards.ts sends them: page first, then joined. */
async function explain(client: pg.Client, viewer: string) {
	const page = (from: string, where: string, orderBy: string, extra = "", outerOrderBy = orderBy) =>
		`SELECT r.*, u.name AS author_name, (l.user_id IS NOT NULL) AS liked
		 FROM (SELECT ${extra} r.id, r.caption, r.author_id, r.like_count FROM ${from} WHERE ${where} ORDER BY ${orderBy} LIMIT 21) r
		 JOIN users u ON u.id = r.author_id
		 LEFT JOIN likes l ON l.reel_id = r.id AND l.user_id = '${viewer}'::uuid
		 ORDER BY ${outerOrderBy}`;
	const visible = "r.media_status = 'ready' AND r.hidden_at IS NULL";
	const followed = `r.author_id IN (SELECT followee_id FROM follows WHERE follower_id = '${viewer}'::uuid)`;
	const q = "(websearch_to_tsquery('english', 'coffee dancing') || websearch_to_tsquery('simple', 'coffee dancing'))";
	const queries: [string, string][] = [
		["reels, newest", page("reels r", visible, "r.id DESC")],
		[
			"feed: followed stream",
			page(
				`follows f CROSS JOIN LATERAL (SELECT * FROM reels r WHERE r.author_id = f.followee_id AND ${visible} ORDER BY r.id DESC LIMIT 21) r`,
				`f.follower_id = '${viewer}'::uuid`,
				"r.id DESC",
			),
		],
		[
			"feed: trending stream",
			page(
				"trending_reels t JOIN reels r ON r.id = t.reel_id",
				`t.epoch_id = (SELECT max(id) FROM trending_epochs) AND t.rank > 0 AND ${visible} AND NOT (${followed})`,
				"t.rank",
				"t.rank,",
				"r.rank",
			),
		],
		[
			"search",
			page(
				"reels r",
				`${visible} AND r.search @@ ${q}`,
				"rank DESC, r.id DESC",
				`ts_rank(r.search, ${q}) AS rank,`,
				"r.rank DESC, r.id DESC",
			),
		],
		["hashtag", page("reels r", `${visible} AND r.hashtags @> ARRAY['tag42']::text[]`, "r.id DESC")],
	];
	for (const [name, sql] of queries) {
		const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${sql}`);
		console.log(`--- ${name}\n${rows.map((r) => r["QUERY PLAN"]).join("\n")}`);
	}
}

await main();
