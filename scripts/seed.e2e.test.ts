// `npm run seed` against a fresh dev stack: it fills the platform through the
// public API and the real transcoder, and a second run changes nothing.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevStackProcess, startDevStack } from "./dev-stack-process.ts";
import { connectionUrls } from "./postgres-cluster.ts";
import { seed } from "./seed.ts";

let stack: DevStackProcess;

/** Row counts on the primary: the authority on what exists. */
async function counts(): Promise<Record<string, number>> {
	const client = new pg.Client({ connectionString: connectionUrls(stack.cluster).primaryUrl });
	await client.connect();
	try {
		const out: Record<string, number> = {};
		for (const table of ["users", "reels", "likes", "comments", "follows"]) {
			out[table] = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n ?? -1;
		}
		out.avatars =
			(await client.query<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE avatar_asset_id IS NOT NULL")).rows[0]?.n ?? -1;
		return out;
	} finally {
		await client.end();
	}
}

beforeAll(async () => {
	stack = await startDevStack("e2e-seed", { fresh: true });
}, 150_000);

afterAll(async () => {
	await stack?.stop();
});

describe("npm run seed", () => {
	it("makes creators with avatars, transcoded reels, follows, likes and comments through the API", async () => {
		const first = await seed(stack.baseUrl, { creators: 3, clipsPerCreator: 2, mailUrl: stack.mailUrl });
		expect(first.made).toEqual({ creators: 3, profiles: 3, reels: 6, follows: 6, comments: 6 });
		expect(await counts()).toEqual({ users: 3, reels: 6, likes: 12, comments: 6, follows: 6, avatars: 3 });
		const reel = (await (await fetch(`${stack.baseUrl}/api/reels/${first.reels[0]}`)).json()) as { video: { status: string; hls: string } };
		expect(reel.video).toMatchObject({ status: "ready", hls: expect.stringMatching(/master\.m3u8$/) });
	}, 240_000);

	it("changes nothing when run again, as the command a person types", async () => {
		const before = await counts();
		const run = spawnSync(process.execPath, [resolve(import.meta.dirname, "seed.ts"), stack.baseUrl], {
			encoding: "utf8",
			env: { ...process.env, SEED_CREATORS: "3", SEED_CLIPS: "2" },
			timeout: 120_000,
		});
		expect(run.status, run.stderr).toBe(0);
		expect(run.stdout).toContain("made 0 creators, 0 profiles, 0 reels, 0 follows, 0 comments (6 demo reels in all");
		expect(await counts()).toEqual(before);
	}, 150_000);
});
