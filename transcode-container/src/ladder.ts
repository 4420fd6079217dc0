// What to make from a source: the rendition ladder, the poster frame and the
// storyboard grid. Pure functions of the probe, so they are tested without
// ffmpeg and the benchmark can run the very same plan from the command line.
import type { ProbeResult } from "./probe.ts";

export interface Rung {
	width: number;
	height: number;
	/** Target video bitrate; the VBV cap is `maxrateKbps`. */
	bitrateKbps: number;
	maxrateKbps: number;
	bufsizeKbps: number;
}

export interface Storyboard {
	/** Seconds between two tiles. */
	intervalS: number;
	count: number;
	columns: number;
	rows: number;
	tileWidth: number;
	tileHeight: number;
}

export interface TranscodePlan {
	durationS: number;
	/** Output frame rate cap, or null to keep the source's exact rate (it is at most MAX_OUTPUT_FPS already). */
	fps: number | null;
	hasAudio: boolean;
	/** Highest first; every rung keeps the source's orientation and aspect ratio. */
	rungs: Rung[];
	posterAtS: number;
	thumbnail: { width: number; height: number };
	storyboard: Storyboard;
	segmentSeconds: number;
}

/** Short-side steps of the ladder (1080x1920, 720x1280, 486x864, 360x640 for a 9:16 reel) and their bitrates. */
const LADDER: { shortSide: number; bitrateKbps: number }[] = [
	{ shortSide: 1080, bitrateKbps: 5000 },
	{ shortSide: 720, bitrateKbps: 2800 },
	{ shortSide: 480, bitrateKbps: 1400 },
	{ shortSide: 360, bitrateKbps: 800 },
];
export const SEGMENT_SECONDS = 2;
/** Reels play at 60 fps at most; a 240 fps source is encoded at 60, a quarter of the work. */
export const MAX_OUTPUT_FPS = 60;
const STORYBOARD_MAX_TILES = 100;
const STORYBOARD_COLUMNS = 10;
const STORYBOARD_TILE_LONG_SIDE = 160;
const THUMBNAIL_LONG_SIDE = 640;

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
const floorEven = (n: number) => Math.max(2, Math.floor(n / 2) * 2);

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Scales `width`x`height` so its short side is near `shortSide`, both sides even, and, when the
 * source's ratio allows it, exactly the source's shape: a 9:16 source's 480 step becomes 486x864
 * rather than 480x854 (which is 0.07 % off 9:16 and so needs non-square pixels to keep the shape).
 * Square pixels on every rung let the DASH manifest declare one display aspect with sar 1:1.
 */
function fitShortSide(width: number, height: number, shortSide: number) {
	const g = gcd(width, height);
	const [a, b] = [width / g, height / g];
	const oddRatio = a % 2 === 1 || b % 2 === 1;
	let m = Math.round(shortSide / Math.min(a, b));
	if (oddRatio) m = Math.max(2, Math.round(m / 2) * 2);
	const exact = { width: a * m, height: b * m };
	// Exact only when it stays near the step (within 5 %) and inside the source.
	const near = Math.abs(Math.min(exact.width, exact.height) - shortSide) <= shortSide * 0.05;
	if (m >= 1 && near && exact.width <= width && exact.height <= height) return exact;
	const scale = shortSide / Math.min(width, height);
	return { width: even(width * scale), height: even(height * scale) };
}

/** Whether every rung has the first rung's exact shape (then pixels are square everywhere). */
export function squarePixels(rungs: readonly Rung[]): boolean {
	const [top] = rungs;
	return !!top && rungs.every((r) => r.width * top.height === r.height * top.width);
}

function fitLongSide(width: number, height: number, longSide: number) {
	const scale = Math.min(1, longSide / Math.max(width, height));
	return { width: even(width * scale), height: even(height * scale) };
}

function rung(width: number, height: number, bitrateKbps: number): Rung {
	return { width, height, bitrateKbps, maxrateKbps: Math.round(bitrateKbps * 1.07), bufsizeKbps: Math.round(bitrateKbps * 1.5) };
}

/** The ladder never upscales: only steps at or below the source's short side; a tiny source gets one rung at its own size. */
export function planLadder(width: number, height: number): Rung[] {
	const short = Math.min(width, height);
	const steps = LADDER.filter((s) => s.shortSide <= short);
	if (steps.length === 0) {
		const own = { width: floorEven(width), height: floorEven(height) };
		// Bitrate in proportion to pixels, relative to the lowest step.
		const lowest = LADDER[LADDER.length - 1] as (typeof LADDER)[number];
		const share = (own.width * own.height) / (lowest.shortSide * ((lowest.shortSide * 16) / 9));
		return [rung(own.width, own.height, Math.max(200, Math.round(lowest.bitrateKbps * share)))];
	}
	return steps.map((s) => {
		const size = fitShortSide(width, height, s.shortSide);
		return rung(size.width, size.height, s.bitrateKbps);
	});
}

export function planStoryboard(width: number, height: number, durationS: number): Storyboard {
	const intervalS = Math.max(1, Math.ceil(durationS / STORYBOARD_MAX_TILES));
	const count = Math.max(1, Math.ceil(durationS / intervalS));
	const columns = Math.min(count, STORYBOARD_COLUMNS);
	const tile = fitLongSide(width, height, STORYBOARD_TILE_LONG_SIDE);
	return { intervalS, count, columns, rows: Math.ceil(count / columns), tileWidth: tile.width, tileHeight: tile.height };
}

export function planTranscode(
	probe: Pick<ProbeResult, "width" | "height" | "durationMs" | "hasAudio"> & Partial<Pick<ProbeResult, "frameRate">>,
): TranscodePlan {
	const durationS = probe.durationMs / 1000;
	return {
		durationS,
		fps: (probe.frameRate ?? 0) > MAX_OUTPUT_FPS ? MAX_OUTPUT_FPS : null,
		hasAudio: probe.hasAudio,
		rungs: planLadder(probe.width, probe.height),
		// Early enough to exist in a 1 s clip, late enough to skip a black first frame.
		posterAtS: Math.min(1, durationS / 10),
		thumbnail: fitLongSide(probe.width, probe.height, THUMBNAIL_LONG_SIDE),
		storyboard: planStoryboard(probe.width, probe.height, durationS),
		segmentSeconds: SEGMENT_SECONDS,
	};
}

const vttTime = (s: number) => {
	const ms = Math.round(s * 1000);
	const hh = String(Math.floor(ms / 3_600_000)).padStart(2, "0");
	const mm = String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, "0");
	const ss = String(Math.floor((ms % 60_000) / 1000)).padStart(2, "0");
	return `${hh}:${mm}:${ss}.${String(ms % 1000).padStart(3, "0")}`;
};

/** WebVTT whose cues point into the sprite sheet with media fragments (`#xywh=`), the form players' thumbnail tracks read. */
export function storyboardVtt(board: Storyboard, durationS: number, imageName: string): string {
	const cues = Array.from({ length: board.count }, (_, i) => {
		const x = (i % board.columns) * board.tileWidth;
		const y = Math.floor(i / board.columns) * board.tileHeight;
		const start = i * board.intervalS;
		const end = Math.min(durationS, start + board.intervalS);
		return `${vttTime(start)} --> ${vttTime(end)}\n${imageName}#xywh=${x},${y},${board.tileWidth},${board.tileHeight}`;
	});
	return `WEBVTT\n\n${cues.join("\n\n")}\n`;
}
