import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PERSIST_BACKLOG_MS, type RateLimiter } from "./rate-limiter";

const fresh = () => env.RATE_LIMITER.getByName(`test-${crypto.randomUUID()}`);
const storedOf = (stub: DurableObjectStub<RateLimiter>) =>
	runInDurableObject(stub, async (_: RateLimiter, state) => ({
		tat: await state.storage.get<number>("tat"),
		alarm: await state.storage.getAlarm(),
	}));

describe("RateLimiter", () => {
	it("keeps a light key in memory only: no write, no alarm (an anonymous reader's address costs no storage)", async () => {
		const limiter = fresh();
		// 720 an hour: each take moves the timestamp 5 s ahead, six of them far below the backlog that is
		// stored, and a slow machine's pause between takes (under 5 s) cannot change the count.
		const quota = { limit: 720, periodSeconds: 3600 };
		for (let i = 0; i < 5; i++) expect((await limiter.take(quota)).allowed).toBe(true);
		expect(await storedOf(limiter)).toEqual({ tat: undefined, alarm: null });
		// Still exact while the instance lives: the sixth take sees the first five.
		expect((await limiter.take(quota)).remaining).toBe(720 - 6);
	});

	it("stores a key once its backlog passes a minute, with one alarm, and stays exact across instances", async () => {
		const limiter = fresh();
		// 10 an hour: one take is 6 minutes of backlog.
		const quota = { limit: 10, periodSeconds: 3600 };
		const first = await limiter.take(quota);
		expect(first.tatMs - Date.now()).toBeGreaterThan(PERSIST_BACKLOG_MS);
		const stored = await storedOf(limiter);
		expect(stored.tat).toBe(first.tatMs);
		expect(stored.alarm).toBe(first.tatMs);
		const second = await limiter.take(quota);
		// The alarm is not rewritten per request; the alarm moves itself on.
		expect(await storedOf(limiter)).toEqual({ tat: second.tatMs, alarm: first.tatMs });
		// A new instance (an eviction, a deploy) starts from what was stored.
		await runInDurableObject(limiter, async (instance: RateLimiter) => {
			Object.assign(instance, { tat: undefined, stored: false });
			await (instance as unknown as { load(): Promise<void> }).load();
		});
		// peek answers as a third take would: 7 left after it.
		expect((await limiter.peek(quota)).remaining).toBe(7);
	});

	it("writes a refund of a stored key through, and clears storage when nothing is left", async () => {
		const limiter = fresh();
		const quota = { limit: 10, periodSeconds: 3600 };
		await limiter.take(quota);
		await limiter.take(quota);
		await limiter.refund(quota);
		// One take counts: a second would leave 8.
		expect((await limiter.peek(quota)).remaining).toBe(8);
		expect((await storedOf(limiter)).tat).toBeGreaterThan(Date.now());
		await limiter.refund(quota);
		expect(await storedOf(limiter)).toMatchObject({ tat: undefined });
		expect((await limiter.peek(quota)).remaining).toBe(9);
	});

	it("counts exactly under concurrency, stored or not", async () => {
		// In memory (a backlog of 55 s, under PERSIST_BACKLOG_MS) and stored (3,600 s). A token comes
		// back every period / limit: 11 s at the least here, so a loaded machine's pause between the
		// first take and the last cannot let one more through (at 0.5 s, then 2.5 s a token, loaded
		// clean-clone runs did). A fresh object's first calls racing to read storage let one more
		// through as well (6 of 5 in a clean-clone run): the object now reads before any call arrives.
		for (const quota of [
			{ limit: 5, periodSeconds: 55 },
			{ limit: 5, periodSeconds: 3600 },
		]) {
			const limiter = fresh();
			const decisions = await Promise.all(Array.from({ length: 30 }, () => limiter.take(quota)));
			expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
		}
	});
});
