// A viral reel: BENCH_LIKERS accounts (1,000) like one reel at the same moment, through the API,
// each from its own address. Baseline in the same run: the same accounts, at the same moment, each
// liking a reel of its own (no shared row); and the runtime's floor, as many simultaneous requests
// to a bare Worker under the same wrangler dev. Reports what was acknowledged, refused (503 and
// others), p50/p99, and whether the count is exact afterwards (the API's and Postgres's).
// Run: npm run bench:viral (BENCH_PROFILE=1 also prints where the isolate spent the viral wave).
import pg from "pg";
import { registerOn, startDevStack } from "../scripts/dev-stack-process.ts";
import { connectionUrls } from "../scripts/postgres-cluster.ts";
import { startBareWorker } from "./support/bare-worker.ts";
import { printCpuProfile, startCpuProfile } from "./support/cpu-profile.ts";
import { percentile } from "./support/latency.ts";

const LIKERS = Number(process.env.BENCH_LIKERS ?? 1000);
const REGISTER_CONCURRENCY = 4;

const address = (i: number) => `10.20.${Math.floor(i / 250)}.${i % 250}`;

interface Wave {
	/** Problem codes of the refusals, counted (what each 503 said). */
	problems: Map<string, number>;
	statuses: Map<number, number>;
	latencies: number[];
	seconds: number;
}

/** `n` requests sent at once; resolves when all have answered, with what each said (a refusal's problem code). */
async function simultaneously(n: number, send: (i: number) => Promise<Response>): Promise<Wave> {
	const statuses = new Map<number, number>();
	const problems = new Map<string, number>();
	const latencies: number[] = [];
	const started = performance.now();
	await Promise.all(
		Array.from({ length: n }, async (_, i) => {
			const sent = performance.now();
			const res = await send(i).catch(() => undefined);
			const body = await res?.text().catch(() => "");
			latencies.push(performance.now() - sent);
			const status = res?.status ?? 0;
			if (status !== 200) {
				const code = String((JSON.parse(body || "{}") as { code?: string }).code ?? status);
				problems.set(code, (problems.get(code) ?? 0) + 1);
			}
			statuses.set(status, (statuses.get(status) ?? 0) + 1);
		}),
	);
	return { problems, statuses, latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000 };
}

/** Every liker sends its like at once. */
const wave = (baseUrl: string, tokens: string[], reelOf: (i: number) => string) =>
	simultaneously(tokens.length, (i) =>
		fetch(`${baseUrl}/api/reels/${reelOf(i)}/like`, {
			method: "POST",
			headers: { authorization: `Bearer ${tokens[i]}`, "cf-connecting-ip": address(i) },
		}),
	);

function describe(name: string, w: Wave) {
	const refused = [...w.statuses].filter(([s]) => s !== 200).map(([s, n]) => `${n} × ${s || "no answer"}`);
	if (w.problems.size > 0) refused.push(`(${[...w.problems].map(([code, n]) => `${code} ${n}`).join(", ")})`);
	const p50 = percentile(w.latencies, 50);
	const p99 = percentile(w.latencies, 99);
	console.log(
		`${name.padEnd(30)} ${String(w.statuses.get(200) ?? 0).padStart(5)} acknowledged  ${refused.join(", ") || "none refused"}  p50 ${p50.toFixed(0)} ms  p99 ${p99.toFixed(0)} ms  (${w.seconds.toFixed(1)} s)`,
	);
	return { p50, p99 };
}

async function main() {
	const stack = await startDevStack("viral", {
		vars: { QUOTA_ANON_PER_HOUR: "10000000", QUOTA_USER_PER_HOUR: "10000000", QUOTA_AUTH_PER_HOUR: "10000000" },
	});
	try {
		const { user: author } = await registerOn(stack.baseUrl, { name: "Viral Author", ip: "10.19.0.1" });
		const client = new pg.Client({ connectionString: connectionUrls(stack.cluster).primaryUrl });
		await client.connect();
		// The hot reel and one reel per liker for the baseline, ready to be liked.
		const { rows } = await client.query<{ id: string }>(
			`INSERT INTO reels (id, author_id, video_asset_id, video_key, caption, hashtags, search, media_status, playback, duration_ms)
			 SELECT gen_random_uuid(), $1, gen_random_uuid(), 'viral/' || n || '.mp4', 'viral ' || n, '{}', to_tsvector('simple', 'viral'),
			        'ready', '{"hls": "/cdn/viral/hls/master.m3u8"}'::jsonb, 15000
			 FROM generate_series(0, $2::int) n RETURNING id`,
			[author.id, LIKERS],
		);
		const [hot, ...own] = rows.map((r) => r.id) as [string, ...string[]];

		console.log(`registering ${LIKERS} accounts …`);
		const tokens: string[] = [];
		let next = 0;
		await Promise.all(
			Array.from({ length: REGISTER_CONCURRENCY }, async () => {
				while (next < LIKERS) {
					const i = next++;
					tokens[i] = (await registerOn(stack.baseUrl, { name: `Liker ${i}`, ip: address(i) })).accessToken;
				}
			}),
		);

		// The runtime's floor on this machine: as many simultaneous requests to a bare Worker under the same wrangler dev.
		const bare = await startBareWorker();
		let floor: { p50: number; p99: number };
		try {
			floor = describe("floor: bare Worker, same crowd", await simultaneously(LIKERS, () => fetch(`${bare.baseUrl}/bytes/2`)));
		} finally {
			bare.stop();
		}
		const spread = describe("baseline: each its own reel", await wave(stack.baseUrl, tokens, (i) => own[i] as string));
		const stopProfile = process.env.BENCH_PROFILE ? await startCpuProfile(stack.inspectorPort, { intervalUs: 1000 }) : undefined;
		const viralWave = await wave(stack.baseUrl, tokens, () => hot);
		const viral = describe("viral: everyone, one reel", viralWave);
		if (stopProfile) printCpuProfile("the viral wave", await stopProfile(25));

		// The primary's count (the reel's column plus its shards) against the likes stored; then the API's, which a
		// token-less read takes from the replica: it may trail the last commits by a moment, so it is polled.
		const stored = await client.query<{ likes: number; counted: number }>(
			`SELECT (SELECT count(*)::int FROM likes WHERE reel_id = $1) AS likes,
			        (SELECT like_count FROM reels WHERE id = $1) + (SELECT coalesce(sum(likes), 0)::int FROM reel_counter_shards WHERE reel_id = $1) AS counted`,
			[hot],
		);
		await client.end();
		let apiCount = -1;
		for (let i = 0; i < 50 && apiCount !== stored.rows[0]?.likes; i++) {
			if (i > 0) await new Promise((r) => setTimeout(r, 100));
			apiCount = ((await (await fetch(`${stack.baseUrl}/api/reels/${hot}`)).json()) as { likeCount: number }).likeCount;
		}
		const { likes, counted } = stored.rows[0] ?? { likes: -1, counted: -1 };
		// A refused like (503 before any statement) did not happen: what is stored is what was acknowledged.
		const acknowledged = viralWave.statuses.get(200) ?? 0;
		const exact = likes === acknowledged && counted === likes && apiCount === likes;
		console.log(
			`count afterwards: ${acknowledged} acknowledged, likes stored ${likes}, counted on the primary ${counted}, the API (replica) ${apiCount}: ${exact ? "exact" : "NOT EXACT"}`,
		);
		console.log(
			JSON.stringify({
				bench: "viral-like",
				likers: LIKERS,
				acknowledged,
				p50VsBaseline: Math.round((viral.p50 / spread.p50) * 100) / 100,
				p99VsBaseline: Math.round((viral.p99 / spread.p99) * 100) / 100,
				p99VsBareFloor: Math.round((viral.p99 / floor.p99) * 100) / 100,
				exact,
			}),
		);
		if (!exact || acknowledged < LIKERS) process.exitCode = 1;
	} finally {
		await stack.stop();
	}
}

await main();
