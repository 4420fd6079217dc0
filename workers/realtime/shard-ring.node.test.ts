import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { murmur3, ShardRing } from "./shard-ring";

const ids = Array.from({ length: 1_000_000 }, () => randomUUID());

describe("ShardRing", () => {
	it("matches the reference MurmurHash3 x86_32 vectors", () => {
		expect(murmur3("")).toBe(0);
		expect(murmur3("", 1)).toBe(0x514e28b7);
		expect(murmur3("hello")).toBe(0x248bfa47);
		expect(murmur3("The quick brown fox jumps over the lazy dog")).toBe(0x2e4ff723);
	});

	// A million hashes take a second alone and several on a busy CI machine: the runner's 5 s default is no bound on them.
	it("spreads 1M random user ids over 16 shards with the busiest at most 1.10x the mean", { timeout: 60_000 }, () => {
		const ring = new ShardRing({ shards: 16, virtualNodes: 512 });
		const counts = new Array<number>(16).fill(0);
		for (const id of ids) counts[ring.shardOf(id)] = (counts[ring.shardOf(id)] ?? 0) + 1;
		const mean = ids.length / 16;
		expect(Math.max(...counts) / mean).toBeLessThanOrEqual(1.1);
		expect(Math.min(...counts)).toBeGreaterThan(0);
	});

	it("moves about 1/17 of the keys (±10%) when a 17th shard joins, all of them to the new shard", () => {
		const before = new ShardRing({ shards: 16, virtualNodes: 512 });
		const after = new ShardRing({ shards: 17, virtualNodes: 512 });
		let moved = 0;
		let movedElsewhere = 0;
		for (const id of ids) {
			const a = before.shardOf(id);
			const b = after.shardOf(id);
			if (a !== b) {
				moved++;
				if (b !== 16) movedElsewhere++;
			}
		}
		const fraction = moved / ids.length;
		expect(fraction).toBeGreaterThanOrEqual((1 / 17) * 0.9);
		expect(fraction).toBeLessThanOrEqual((1 / 17) * 1.1);
		expect(movedElsewhere).toBe(0);
	});

	it("reports each shard's share of the ring, summing to 1", () => {
		const shares = new ShardRing({ shards: 4, virtualNodes: 64 }).ownership();
		expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
		for (const s of shares) expect(s).toBeGreaterThan(0.15);
	});

	it("is deterministic and refuses nonsense configurations", () => {
		const a = new ShardRing({ shards: 8, virtualNodes: 32 });
		const b = new ShardRing({ shards: 8, virtualNodes: 32 });
		expect(ids.slice(0, 1000).every((id) => a.shardOf(id) === b.shardOf(id))).toBe(true);
		expect(() => new ShardRing({ shards: 0, virtualNodes: 8 })).toThrow(RangeError);
		expect(() => new ShardRing({ shards: 4, virtualNodes: 0 })).toThrow(RangeError);
	});
});
