// One still frame from a short piece of video: what a chosen cover and an
// on-the-fly thumbnail (`?time=`) are made of. The Worker sends one segment of
// a rung (its init segment and media segment, joined: a playable fragmented
// MP4 of a few seconds), so a frame costs a few seconds of decode, not the
// whole video. The frame is the one on screen at `at`: the last whose
// timestamp is not after it.
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import { lastLines, startFfmpeg } from "./ffmpeg-process.ts";
import { pinnedInput } from "./input-format.ts";
import { SourceTooLarge, spoolToFile } from "./spool.ts";

/** A segment of the top rung is a few MB; anything near this is not one. */
export const FRAME_SOURCE_MAX_BYTES = 32 * 1024 * 1024;
/** The longest side a frame is scaled to (the ladder's top rung is at most 1920). */
export const FRAME_MAX_SIDE = 4096;
/** Receiving and decoding a few seconds of one rung take well under this; a piece that does not is refused. */
const FRAME_TIMEOUT_MS = 20_000;

export interface FrameRequest {
	/** Seconds from the start of the piece sent. */
	at: number;
	/** The frame's size (even numbers; the rung's own size when absent). */
	width?: number;
	height?: number;
}

/** The piece could not be decoded, or has no frame at all: the caller's fault, not the service's. */
export class FrameUnreadable extends Error {
	constructor(message: string) {
		super(message);
		this.name = "FrameUnreadable";
	}
}

/**
 * Spools `source` (at most FRAME_SOURCE_MAX_BYTES) and returns the JPEG of the frame on screen at
 * `at`. FFmpeg decodes from the last keyframe before `at` and keeps overwriting one output with each
 * frame up to it (`select` + `-update`), so the answer is exact, and a time between the last frame
 * and the end of the piece gives the last frame rather than nothing.
 */
export async function frameAt(workDir: string, source: Readable, req: FrameRequest): Promise<Buffer> {
	await mkdir(workDir, { recursive: true });
	const base = `${workDir}/frame-${randomUUID()}`;
	// One deadline for the whole frame: a body that stops arriving holds a slot no longer than a slow decode.
	const deadline = AbortSignal.timeout(FRAME_TIMEOUT_MS);
	try {
		try {
			await spoolToFile(source, `${base}.mp4`, FRAME_SOURCE_MAX_BYTES, deadline);
		} catch (err) {
			if (err instanceof SourceTooLarge) throw err;
			throw new FrameUnreadable(
				deadline.aborted ? "the piece took too long to arrive" : `the piece did not arrive whole: ${(err as Error).message}`,
			);
		}
		// Input seeking to half a second before `at` skips what cannot matter (and JPEG-encodes only the
		// frames of that half second); the select keeps frames up to `at` from there.
		const seekTo = Math.max(0, req.at - 0.5);
		const scale = req.width && req.height ? `,scale=${req.width}:${req.height},setsar=1` : "";
		const { exited } = startFfmpeg(
			[
				// Read as fragmented MP4 from this one file, whatever the bytes claim (input-format.ts).
				...["-v", "error", "-nostdin", "-y", "-ss", seekTo.toFixed(3), ...pinnedInput("mov", "file"), "-i", `${base}.mp4`, "-an"],
				// Timestamps after an input seek start at 0 again, so `at` is measured from seekTo.
				...["-vf", `select='lte(t\\,${(req.at - seekTo).toFixed(3)})'${scale}`, "-fps_mode", "passthrough"],
				...["-update", "1", "-q:v", "3", "-f", "image2", `${base}.jpg`],
			],
			{ signal: deadline },
		);
		const exit = await exited;
		if (exit.code !== 0) {
			throw new FrameUnreadable(deadline.aborted ? "decoding took too long" : `no frame could be decoded: ${lastLines(exit, 2)}`);
		}
		try {
			return await readFile(`${base}.jpg`);
		} catch {
			throw new FrameUnreadable("the piece sent has no video frame");
		}
	} finally {
		await Promise.all([rm(`${base}.mp4`, { force: true }), rm(`${base}.jpg`, { force: true })]);
	}
}

/** `at`, `width`, `height` from a query string, or why not. */
export function frameRequestOf(query: URLSearchParams): FrameRequest | string {
	const at = Number(query.get("at"));
	if (!query.has("at") || !Number.isFinite(at) || at < 0 || at > 3600) return "at must be a number of seconds from 0 to 3600";
	const width = query.has("width") ? Number(query.get("width")) : undefined;
	const height = query.has("height") ? Number(query.get("height")) : undefined;
	if ((width === undefined) !== (height === undefined)) return "width and height come together";
	for (const side of [width, height]) {
		if (side !== undefined && !(Number.isInteger(side) && side >= 2 && side <= FRAME_MAX_SIDE && side % 2 === 0)) {
			return `width and height are even numbers of pixels from 2 to ${FRAME_MAX_SIDE}`;
		}
	}
	return { at, width, height };
}
