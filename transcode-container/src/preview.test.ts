import { describe, expect, it } from "vitest";
import { PREVIEW_SECONDS, previewSize, previewStart } from "./preview.ts";

describe("previewStart", () => {
	it("starts at the busiest segment", () => {
		expect(previewStart([100, 900, 300, 200, 100], 2, 10)).toBe(2);
	});
	it("moves back so the whole loop fits before the end", () => {
		expect(previewStart([100, 200, 300, 400, 900], 2, 9.5)).toBe(9.5 - PREVIEW_SECONDS);
	});
	it("starts at 0 for a video shorter than the loop, or with no segments", () => {
		expect(previewStart([500, 900], 2, 2.5)).toBe(0);
		expect(previewStart([], 2, 10)).toBe(0);
	});
});

describe("previewSize", () => {
	it("has a short side of 240 in the source's shape, never upscaled", () => {
		expect(previewSize(1080, 1920)).toEqual({ width: 240, height: 426 });
		expect(previewSize(1920, 1080)).toEqual({ width: 426, height: 240 });
		expect(previewSize(180, 320)).toEqual({ width: 180, height: 320 });
	});
});
