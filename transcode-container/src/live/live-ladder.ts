// The live ladder: two rungs at most (the highest at or below 720p and the
// lowest, 360p), because a live encode must keep up with real time on the
// instance's CPUs for as long as the stream lasts; VOD can afford four.
import { planLadder, type Rung } from "../ladder.ts";

/** Short side of the highest live rung. */
export const LIVE_TOP_SHORT_SIDE = 720;
/** Segment length: a player is about three segments behind the live edge, so this sets most of the latency. */
export const LIVE_SEGMENT_SECONDS = 1;
export const LIVE_FPS = 30;

export function planLiveLadder(width: number, height: number): Rung[] {
	const rungs = planLadder(width, height).filter((r) => Math.min(r.width, r.height) <= LIVE_TOP_SHORT_SIDE);
	// A source between 360p and 720p gets its own step from planLadder; a tiny one its own size.
	const usable = rungs.length > 0 ? rungs : planLadder(width, height).slice(-1);
	const top = usable[0];
	const bottom = usable[usable.length - 1];
	if (!top || !bottom) throw new Error(`no ladder for ${width}x${height}`);
	return top === bottom ? [top] : [top, bottom];
}

/** The master playlist's CODECS: H.264 Main 3.1 (up to 720p30) and AAC-LC when there is audio. */
export const liveCodecs = (hasAudio: boolean) => (hasAudio ? "avc1.4d401f,mp4a.40.2" : "avc1.4d401f");

export const AUDIO_KBPS = 96;
