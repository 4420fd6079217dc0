// Keyset cursors across the API: no row skipped at microsecond ties, and forged cursors are 400s.
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../lib/postgres/routed-database";
import { api } from "../test-support/api";
import { json, person, seenAll } from "../test-support/reels";

describe("keyset cursors", () => {
	it("pages follows made in the same millisecond without skipping any (microsecond cursors)", async () => {
		const creator = await person("Popular");
		const fans = [await person("Fan"), await person("Fan"), await person("Fan")];
		// Three follows 1 µs apart: the same millisecond, so a millisecond cursor would skip one.
		await withDatabase(env, (db) =>
			db.write((q) =>
				q.execute(sql`INSERT INTO follows (follower_id, followee_id, created_at) VALUES
					(${fans[0]?.user.id}, ${creator.user.id}, '2026-11-23T10:00:00.000100Z'),
					(${fans[1]?.user.id}, ${creator.user.id}, '2026-11-23T10:00:00.000200Z'),
					(${fans[2]?.user.id}, ${creator.user.id}, '2026-11-23T10:00:00.000300Z')`),
			),
		);
		const seen: string[] = [];
		let cursor: string | null = "";
		for (let page = 0; page < 5 && cursor !== null; page++) {
			const res = await api(`/api/users/${creator.user.id}/followers?limit=1${cursor ? `&cursor=${cursor}` : ""}`, {
				headers: await seenAll(),
			});
			const body: { items: { id: string }[]; nextCursor: string | null } = await json(res);
			seen.push(...body.items.map((i) => i.id));
			cursor = body.nextCursor;
		}
		expect(seen).toEqual(fans.map((f) => f.user.id).reverse());
	});

	it("answers forged cursors and loose numbers with 400, never 500", async () => {
		const feedCursor = btoa(JSON.stringify({ e: 0, t: 2147483648 })).replace(/=+$/, "");
		const old = btoa(JSON.stringify({ t: "0000-01-01T00:00:00Z", i: crypto.randomUUID() })).replace(/=+$/, "");
		const someone = await person("Someone");
		for (const path of [
			`/api/feed?cursor=${feedCursor}`,
			`/api/users/${someone.user.id}/followers?cursor=${old}`,
			`/api/users/${someone.user.id}/following?cursor=${old}`,
			"/api/reels?limit=0x10",
			"/api/search?q=x&limit=1e1",
		]) {
			const res = await api(path);
			expect(res.status, path).toBe(400);
			expect(res.headers.get("content-type"), path).toBe("application/problem+json");
		}
	});
});
