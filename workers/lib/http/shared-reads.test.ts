// The shared anonymous reads (shared-reads.ts): a crowd's second read costs no database and no
// object call, and nothing a signed-in person sees, nothing asked fresh and nothing taken down is
// ever answered from them.

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { refreshTrending } from "../../api/feed/trending";
import { createApp } from "../../app";
import { apiOf } from "../../test-support/api";
import { json, person, postReel, type Reel, seenAll } from "../../test-support/reels";
import { waitForReplay } from "../../test-support/replica";
import { SHARED_READ_MAX_ENTRY_BYTES, SharedReads } from "./shared-reads";

const NO_COST = "primary=0, replica=0, do=0";

/** One app, as one isolate, whose shared answers stay fresh for the whole test (10 s): nothing here hangs on the clock. */
function oneIsolate() {
	const call = apiOf(createApp());
	return (path: string, init: Parameters<typeof call>[1] = {}, overrides: Partial<Env> = {}) =>
		call(path, init, { SHARED_READ_SECONDS: "10", ...overrides });
}

/** A reel posted by a fresh author, replayed on the replica so an anonymous read (no consistency token) finds it. */
async function postedReel() {
	const author = await person("Shared");
	const reel = await postReel(author, "shared with the crowd");
	await waitForReplay(reel.consistencyToken);
	return { author, reel };
}

describe("shared anonymous reads", () => {
	it("answers a second anonymous read from the isolate: no database round trip, no object call", async () => {
		const call = oneIsolate();
		const { reel } = await postedReel();
		const first = await call(`/api/reels/${reel.id}`);
		expect(first.status).toBe(200);
		expect(first.headers.get("x-shared-read")).toBe("miss");
		expect(first.headers.get("x-request-cost")).not.toBe(NO_COST);
		const second = await call(`/api/reels/${reel.id}`);
		expect(second.status).toBe(200);
		expect(second.headers.get("x-shared-read")).toBe("hit");
		expect(second.headers.get("x-request-cost")).toBe(NO_COST);
		expect(second.headers.get("content-type")).toContain("application/json");
		expect(await second.json()).toEqual(await first.json());
		// The app-wide headers still apply to a shared answer.
		expect(second.headers.get("x-request-id")).toBeTruthy();
		expect(second.headers.get("strict-transport-security")).toBeTruthy();
	});

	it("takes no hourly quota for a shared answer: the quota guards the database, which it does not reach", async () => {
		const call = oneIsolate();
		const { reel } = await postedReel();
		const oneAnHour = { QUOTA_ANON_PER_HOUR: "1" };
		const ip = { "cf-connecting-ip": "10.77.0.1" };
		expect((await call(`/api/reels/${reel.id}`, { headers: ip }, oneAnHour)).status).toBe(200);
		for (let i = 0; i < 3; i++) expect((await call(`/api/reels/${reel.id}`, { headers: ip }, oneAnHour)).status).toBe(200);
		// A read that reaches the database still takes it: the address has used its one.
		const fresh = await call(`/api/reels/${reel.id}`, { headers: { ...ip, "cache-control": "no-cache" } }, oneAnHour);
		expect(fresh.status).toBe(429);
	});

	it("shares the lists and profiles the crowd reads too", async () => {
		const call = oneIsolate();
		const { author } = await postedReel();
		// A deployment whose replica has no trending epoch yet makes one on an anonymous feed read (a
		// write, whose answer sets the consistency cookie and so is never shared): have one replayed first.
		await refreshTrending(env);
		await waitForReplay((await seenAll())["x-consistency-token"] ?? "");
		for (const path of ["/api/reels?limit=5", `/api/users/${author.user.id}`, `/api/users/${author.user.id}/reels`, "/api/feed?limit=5"]) {
			expect((await call(path)).status, path).toBe(200);
			expect((await call(path)).headers.get("x-shared-read"), path).toBe("hit");
		}
	});

	it("never shares what a signed-in caller sees, nor answers them from what it shared", async () => {
		const call = oneIsolate();
		const { reel } = await postedReel();
		const viewer = await person("Liker");
		expect((await call(`/api/reels/${reel.id}`)).headers.get("x-shared-read")).toBe("miss");
		const like = await call(`/api/reels/${reel.id}/like`, { method: "POST", token: viewer.accessToken });
		expect(like.status).toBeLessThan(300);
		const token = like.headers.get("x-consistency-token") ?? "";
		const signedIn = await call(`/api/reels/${reel.id}`, { token: viewer.accessToken, headers: { "x-consistency-token": token } });
		expect(signedIn.headers.get("x-shared-read")).toBeNull();
		expect((await json<Reel>(signedIn)).liked).toBe(true);
		// Signed in without a consistency token too: never the shared answer (which says liked: false).
		const again = await call(`/api/reels/${reel.id}`, { token: viewer.accessToken });
		expect(again.headers.get("x-shared-read")).toBeNull();
		expect(again.headers.get("x-request-cost")).not.toBe(NO_COST);
		// And the anonymous answer never learned the signed-in one.
		const anonymous = await call(`/api/reels/${reel.id}`);
		expect(anonymous.headers.get("x-shared-read")).toBe("hit");
		expect((await json<Reel>(anonymous)).liked).toBe(false);
	});

	it("reads past it for a caller who asks for fresh data: after a write, or with Cache-Control: no-cache", async () => {
		const call = oneIsolate();
		const { reel } = await postedReel();
		await call(`/api/reels/${reel.id}`);
		expect((await call(`/api/reels/${reel.id}`)).headers.get("x-shared-read")).toBe("hit");
		const asks: Record<string, string>[] = [
			{ "x-consistency-token": reel.consistencyToken },
			{ cookie: `reels_lsn=${reel.consistencyToken}` },
			{ "cache-control": "no-cache" },
		];
		for (const headers of asks) {
			const fresh = await call(`/api/reels/${reel.id}`, { headers });
			expect(fresh.status).toBe(200);
			expect(fresh.headers.get("x-shared-read"), JSON.stringify(headers)).toBeNull();
			expect(fresh.headers.get("x-request-cost"), JSON.stringify(headers)).not.toBe(NO_COST);
		}
	});

	it("forgets at once in the isolate that deleted the reel, and never keeps a 404", async () => {
		const call = oneIsolate();
		const { author, reel } = await postedReel();
		expect((await call(`/api/reels/${reel.id}`)).status).toBe(200);
		expect((await call(`/api/reels/${reel.id}`)).headers.get("x-shared-read")).toBe("hit");
		const deleted = await call(`/api/reels/${reel.id}`, { method: "DELETE", token: author.accessToken });
		expect(deleted.status).toBe(204);
		// The replica has the deletion: what could still say 200 is only what the isolate kept.
		await waitForReplay(deleted.headers.get("x-consistency-token") ?? "");
		for (let i = 0; i < 2; i++) {
			const gone = await call(`/api/reels/${reel.id}`);
			expect(gone.status).toBe(404);
			expect(gone.headers.get("x-shared-read")).toBeNull();
			expect(gone.headers.get("x-request-cost")).not.toBe(NO_COST);
		}
	});

	it("forgets an edited caption in the isolate that edited it", async () => {
		const call = oneIsolate();
		const { author, reel } = await postedReel();
		await call(`/api/reels/${reel.id}`);
		const edit = await call(`/api/reels/${reel.id}`, { method: "PATCH", token: author.accessToken, json: { caption: "edited" } });
		expect(edit.status).toBe(200);
		await waitForReplay(edit.headers.get("x-consistency-token") ?? "");
		const after = await call(`/api/reels/${reel.id}`);
		expect(after.headers.get("x-shared-read")).toBe("miss");
		expect((await json<Reel>(after)).caption).toBe("edited");
	});

	it("shares nothing when SHARED_READ_SECONDS is 0", async () => {
		const call = oneIsolate();
		const { reel } = await postedReel();
		for (let i = 0; i < 2; i++) {
			const res = await call(`/api/reels/${reel.id}`, {}, { SHARED_READ_SECONDS: "0" });
			expect(res.headers.get("x-shared-read")).toBeNull();
			expect(res.headers.get("x-request-cost")).not.toBe(NO_COST);
		}
	});
});

describe("SharedReads", () => {
	const body = (bytes: number) => new Uint8Array(bytes).buffer;

	it("answers while fresh; once stale, sends one request to refresh while the others get the old answer; never past its life", () => {
		let now = 1_000;
		const reads = new SharedReads(1024, () => now);
		reads.put("a", body(10), "application/json", 2_000);
		now += 999;
		expect(reads.get("a")?.body.byteLength).toBe(10);
		now += 1;
		// Stale: the first asker refreshes (undefined), the rest are answered with the old one meanwhile.
		expect(reads.get("a")).toBeUndefined();
		expect(reads.get("a")?.body.byteLength).toBe(10);
		expect(reads.get("a")?.body.byteLength).toBe(10);
		// The refresh lands: fresh again.
		reads.put("a", body(12), "application/json", 2_000);
		expect(reads.get("a")?.body.byteLength).toBe(12);
		// A refresh that never lands: the old answer is gone at the end of its life.
		now += 1_000;
		expect(reads.get("a")).toBeUndefined();
		expect(reads.get("a")?.body.byteLength).toBe(12);
		now += 1_000;
		expect(reads.get("a")).toBeUndefined();
		expect(reads.size).toBe(0);
	});

	it("drops the old answer when its refresh found nothing to share", () => {
		let now = 0;
		const reads = new SharedReads(1024, () => now);
		reads.put("a", body(10), "application/json", 2_000);
		now = 1_500;
		expect(reads.get("a")).toBeUndefined();
		reads.delete("a");
		expect(reads.get("a")).toBeUndefined();
		expect(reads.size).toBe(0);
	});

	// What one entry of `bytes` under a one-letter key costs against the budget (body, key, bookkeeping).
	const cost = (bytes: number) => bytes + 2 + 256;

	it("keeps within its byte budget, keys and bookkeeping counted, by evicting the oldest; keeps no oversized answer", () => {
		const reads = new SharedReads(3 * cost(40) - 1, () => 0);
		reads.put("a", body(40), "application/json", 10_000);
		reads.put("b", body(40), "application/json", 10_000);
		reads.put("c", body(40), "application/json", 10_000);
		expect(reads.get("a")).toBeUndefined();
		expect(reads.get("b")).toBeDefined();
		expect(reads.get("c")).toBeDefined();
		expect(reads.put("huge", body(3 * cost(40)), "application/json", 10_000)).toBe(false);
		const roomy = new SharedReads(10 * SHARED_READ_MAX_ENTRY_BYTES, () => 0);
		expect(roomy.put("page", body(SHARED_READ_MAX_ENTRY_BYTES + 1), "application/json", 10_000)).toBe(false);
		// A long key costs what it weighs: padded URLs cannot hide in tiny bodies.
		const keyed = new SharedReads(2 * cost(10) + 2 * 5_000, () => 0);
		keyed.put(`a${"x".repeat(4_999)}`, body(10), "application/json", 10_000);
		keyed.put(`b${"x".repeat(4_999)}`, body(10), "application/json", 10_000);
		expect(keyed.size).toBe(1);
	});

	it("holds at most its entry cap, and sheds expired answers as new ones come", () => {
		let now = 0;
		const reads = new SharedReads(1024 * 1024, () => now, 3);
		for (const k of ["a", "b", "c", "d"]) reads.put(k, body(1), "application/json", 10_000);
		expect(reads.size).toBe(3);
		expect(reads.get("a")).toBeUndefined();
		now = 20_000;
		reads.put("e", body(1), "application/json", 10_000);
		expect(reads.size).toBe(1);
	});

	it("replaces an entry under the same key without counting it twice", () => {
		const reads = new SharedReads(cost(60) + cost(40), () => 0);
		reads.put("a", body(60), "application/json", 10_000);
		reads.put("a", body(60), "application/json", 10_000);
		reads.put("b", body(40), "application/json", 10_000);
		expect(reads.get("a")).toBeDefined();
		expect(reads.get("b")).toBeDefined();
	});

	it("keeps nothing read before a change it was told of (a refresh that started before a takedown)", () => {
		const reads = new SharedReads(1024 * 1024, () => 0);
		const readAt = reads.generation;
		reads.clear();
		expect(reads.put("a", body(10), "application/json", 10_000, readAt)).toBe(false);
		expect(reads.get("a")).toBeUndefined();
	});

	it("lets the next asker refresh when a refresh was abandoned", () => {
		let now = 0;
		const reads = new SharedReads(1024 * 1024, () => now);
		reads.put("a", body(10), "application/json", 2_000);
		now = 1_500;
		expect(reads.get("a")).toBeUndefined();
		expect(reads.get("a")).toBeDefined();
		reads.abandonRefresh("a");
		expect(reads.get("a")).toBeUndefined();
	});
});
