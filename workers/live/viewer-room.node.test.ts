import { describe, expect, it } from "vitest";
import { COUNT_INTERVAL_MS, COUNT_SENDS_PER_SECOND, countDelay, countInterval, roomChatRate } from "./viewer-room";

describe("countDelay", () => {
	it("sends at once when the last count message is a second old, else waits out the rest of the second", () => {
		expect(countDelay(0, 5_000)).toBe(0);
		expect(countDelay(5_000, 5_000 + COUNT_INTERVAL_MS)).toBe(0);
		expect(countDelay(5_000, 5_300)).toBe(700);
	});

	it("waits longer past COUNT_SENDS_PER_SECOND viewers, so the count costs at most that many sends a second", () => {
		expect(countInterval(100)).toBe(COUNT_INTERVAL_MS);
		expect(countInterval(COUNT_SENDS_PER_SECOND)).toBe(COUNT_INTERVAL_MS);
		expect(countInterval(10_000)).toBe(2_000);
		expect(countDelay(5_000, 6_000, 10_000)).toBe(1_000);
		for (const viewers of [1, 4_999, 12_345, 30_000]) {
			expect((viewers * 1000) / countInterval(viewers)).toBeLessThanOrEqual(COUNT_SENDS_PER_SECOND);
		}
	});
});

describe("roomChatRate", () => {
	it("keeps messages times viewers within the budget, and lets one message a second through however large the crowd", () => {
		expect(roomChatRate(0, 20_000)).toBe(20_000);
		expect(roomChatRate(100, 20_000)).toBe(200);
		expect(roomChatRate(10_000, 20_000)).toBe(2);
		expect(roomChatRate(100_000, 20_000)).toBe(1);
	});
});
