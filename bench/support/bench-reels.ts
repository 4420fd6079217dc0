// The reels the read benchmarks read (bench:cpu, bench:crowd): 200 ready reels by 20 creators,
// written straight into the primary once per stack (their media is never fetched).
import type pg from "pg";

export const BENCH_REELS = 200;
const CREATORS = 20;

const LOAD = [
	`INSERT INTO users (id, email, name)
	 SELECT gen_random_uuid(), 'cpu' || n || '@bench.test', 'CPU Creator ' || n FROM generate_series(1, ${CREATORS}) n
	 ON CONFLICT DO NOTHING`,
	`INSERT INTO reels (id, author_id, video_asset_id, video_key, caption, hashtags, search, media_status, playback, duration_ms, created_at)
	 SELECT (lpad(to_hex((extract(epoch FROM t.ts) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid,
	        u.id, gen_random_uuid(), 'cpu/' || t.n || '.mp4', 'reel number ' || t.n || ' #cpu', ARRAY['cpu'],
	        to_tsvector('simple', 'cpu'), 'ready', '{"hls": "/cdn/cpu/hls/master.m3u8"}'::jsonb, 15000, t.ts
	 FROM (SELECT n, now() - n * interval '1 minute' AS ts FROM generate_series(1, ${BENCH_REELS}) n) t
	 JOIN (SELECT id, row_number() OVER (ORDER BY id) AS k FROM users WHERE email LIKE 'cpu%@bench.test') u ON u.k = 1 + t.n % ${CREATORS}`,
];

/** Loads the reels unless this stack has them already. */
export async function seedBenchReels(client: pg.Client): Promise<void> {
	const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM reels WHERE video_key LIKE 'cpu/%'");
	if ((rows[0]?.n ?? 0) < BENCH_REELS) for (const statement of LOAD) await client.query(statement);
}
