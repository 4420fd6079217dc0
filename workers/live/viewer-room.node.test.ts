import { describe, expect, it } from "vitest";
import { COUNT_INTERVAL_MS, countDelay, roomChatRate } from "./viewer-room";

describe("countDelay", () => {
	it("sends at once when the last count message is a second old, else waits out the rest of the second", () => {
		expect(countDelay(0, 5_000)).toBe(0);
		expect(countDelay(5_000, 5_000 + COUNT_INTERVAL_MS)).toBe(0);
		expect(countDelay(5_000, 5_300)).toBe(700);
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
