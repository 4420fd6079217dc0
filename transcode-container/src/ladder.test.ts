import { describe, expect, it } from "vitest";
import { planLadder, planStoryboard, planTranscode, squarePixels, storyboardVtt } from "./ladder.ts";

const sizes = (w: number, h: number) => planLadder(w, h).map((r) => `${r.width}x${r.height}`);

describe("planLadder", () => {
	it("makes the portrait reel ladder from a 1080x1920 source", () => {
		expect(sizes(1080, 1920)).toEqual(["1080x1920", "720x1280", "486x864", "360x640"]);
		expect(squarePixels(planLadder(1080, 1920))).toBe(true);
	});

	it("keeps landscape sources landscape", () => {
		expect(sizes(1920, 1080)).toEqual(["1920x1080", "1280x720", "864x486", "640x360"]);
	});

	it("never upscales: a 720p source starts at 720", () => {
		expect(sizes(720, 1280)).toEqual(["720x1280", "486x864", "360x640"]);
		expect(sizes(4096, 2160)[0]).toBe("2048x1080");
	});

	it("gives a source smaller than the lowest rung one rung at its own size, cropped to even", () => {
		const [only, ...rest] = planLadder(181, 321);
		expect(rest).toEqual([]);
		expect(only).toMatchObject({ width: 180, height: 320 });
		expect(only?.bitrateKbps).toBeGreaterThanOrEqual(200);
		expect(only?.bitrateKbps).toBeLessThan(800);
	});

	it("falls back to even sizes (and non-square pixels) when the source's shape has no even exact step near the target", () => {
		// 480:854 reduces to 240:427, whose even multiples jump from 480x854 straight to nothing smaller.
		expect(sizes(480, 854)).toEqual(["480x854", "360x640"]);
		expect(squarePixels(planLadder(480, 854))).toBe(false);
	});

	it("keeps every side even (H.264 4:2:0) and caps the rate above the target", () => {
		for (const r of planLadder(1000, 1777)) {
			expect(r.width % 2).toBe(0);
			expect(r.height % 2).toBe(0);
			expect(r.maxrateKbps).toBeGreaterThan(r.bitrateKbps);
			expect(r.bufsizeKbps).toBeGreaterThan(r.maxrateKbps);
		}
	});
});

describe("storyboard", () => {
	it("takes one tile per second for a short reel, ten to a row", () => {
		expect(planStoryboard(720, 1280, 10)).toEqual({ intervalS: 1, count: 10, columns: 10, rows: 1, tileWidth: 90, tileHeight: 160 });
	});

	it("stretches the interval so a long video stays within 100 tiles", () => {
		const board = planStoryboard(1920, 1080, 250);
		expect(board).toMatchObject({ intervalS: 3, count: 84, columns: 10, rows: 9, tileWidth: 160, tileHeight: 90 });
	});

	it("writes WebVTT cues that point at each tile of the sprite", () => {
		const board = planStoryboard(720, 1280, 12.5);
		const vtt = storyboardVtt(board, 12.5, "storyboard.jpg");
		expect(vtt.startsWith("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nstoryboard.jpg#xywh=0,0,90,160\n")).toBe(true);
		// Tile 11 (index 10) starts the second row; the last cue ends at the duration.
		expect(vtt).toContain("00:00:10.000 --> 00:00:11.000\nstoryboard.jpg#xywh=0,160,90,160");
		expect(vtt.trimEnd().endsWith("00:00:12.000 --> 00:00:12.500\nstoryboard.jpg#xywh=180,160,90,160")).toBe(true);
	});
});

describe("planTranscode", () => {
	it("takes the poster early enough to exist in a one-second clip", () => {
		expect(planTranscode({ width: 180, height: 320, durationMs: 1000, hasAudio: false })).toMatchObject({
			posterAtS: 0.1,
			hasAudio: false,
			segmentSeconds: 2,
			thumbnail: { width: 180, height: 320 },
		});
		expect(planTranscode({ width: 1080, height: 1920, durationMs: 60_000, hasAudio: true })).toMatchObject({
			posterAtS: 1,
			thumbnail: { width: 360, height: 640 },
		});
	});

	it("caps the output at 60 fps and leaves slower sources at their own exact rate", () => {
		const base = { width: 1080, height: 1920, durationMs: 10_000, hasAudio: true };
		expect(planTranscode({ ...base, frameRate: 240 }).fps).toBe(60);
		expect(planTranscode({ ...base, frameRate: 29.97 }).fps).toBeNull();
		expect(planTranscode({ ...base, frameRate: 60 }).fps).toBeNull();
	});
});
