import { describe, expect, it } from "vitest";
import { startRung } from "./start-rung";

// The ladder of a 9:16 reel as hls.js lists it (any order: the master lists the top rung first).
const ladder = [{ height: 1920 }, { height: 1280 }, { height: 864 }, { height: 640 }];

describe("startRung", () => {
	it("starts on the lowest rung at least as tall as the player", () => {
		expect(startRung(ladder, 792)).toBe(2);
		expect(startRung(ladder, 864)).toBe(2);
		expect(startRung(ladder, 865)).toBe(1);
		expect(startRung(ladder, 300)).toBe(3);
	});

	it("takes the tallest when none fills the player", () => {
		expect(startRung(ladder, 2400)).toBe(0);
		expect(startRung([{ height: 640 }, { height: 864 }], 2400)).toBe(1);
	});

	it("says -1 (hls.js's automatic choice) for no rungs", () => {
		expect(startRung([], 800)).toBe(-1);
	});
});
