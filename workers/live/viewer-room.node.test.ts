import { describe, expect, it } from "vitest";
import { COUNT_INTERVAL_MS, countDelay } from "./viewer-room";

describe("countDelay", () => {
	it("sends at once when the last count message is a second old, else waits out the rest of the second", () => {
		expect(countDelay(0, 5_000)).toBe(0);
		expect(countDelay(5_000, 5_000 + COUNT_INTERVAL_MS)).toBe(0);
		expect(countDelay(5_000, 5_300)).toBe(700);
	});
});
