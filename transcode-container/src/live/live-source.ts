// What a publisher sends: one continuous media stream. The container format is
// recognised from the first bytes, so garbage is refused with the first chunk
// rather than after FFmpeg has chewed through megabytes of it; the picture's
// size comes from ffprobe on the first bytes (the ladder depends on it).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { MAX_DIMENSION_PX } from "../probe.ts";

const execFileAsync = promisify(execFile);
const FFPROBE_TIMEOUT_MS = 10_000;

export type LiveContainer = "mpegts" | "mp4" | "webm";

/** The stream's format from its first bytes, or null when it is none a publisher may send. */
export function sniffContainer(head: Uint8Array): LiveContainer | null {
	// MPEG-TS: 188-byte packets, each starting with the sync byte 0x47.
	if (head.length >= 189 && head[0] === 0x47 && head[188] === 0x47) return "mpegts";
	// WebM (MediaRecorder): an EBML header.
	if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return "webm";
	// Fragmented MP4: starts with a box FFmpeg and browsers write first.
	const box = String.fromCharCode(...head.subarray(4, 8));
	if (box === "ftyp" || box === "styp" || box === "moof") return "mp4";
	return null;
}

/** The minimum first bytes sniffContainer needs to decide. */
export const SNIFF_BYTES = 189;

export interface LiveProbe {
	width: number;
	height: number;
	hasAudio: boolean;
}

/** The live refusals a publisher is told about (the Worker turns each into a close code). */
export class UnsupportedStream extends Error {
	readonly code: "not_media" | "unreadable_stream" | "dimensions_too_large" | "tracks_changed";
	constructor(code: UnsupportedStream["code"], message: string) {
		super(message);
		this.code = code;
		this.name = "UnsupportedStream";
	}
}

interface ProbedStream {
	codec_type?: string;
	width?: number;
	height?: number;
}

/**
 * The first video stream's size and whether there is audio, or null while the bytes so far
 * do not show a video stream yet (the caller tries again with more).
 */
export async function probeHead(path: string): Promise<LiveProbe | null> {
	let stdout: string;
	try {
		({ stdout } = await execFileAsync("ffprobe", ["-v", "error", "-print_format", "json", "-show_streams", path], {
			timeout: FFPROBE_TIMEOUT_MS,
		}));
	} catch {
		return null;
	}
	const streams = (JSON.parse(stdout) as { streams?: ProbedStream[] }).streams ?? [];
	const video = streams.find((s) => s.codec_type === "video" && (s.width ?? 0) > 0 && (s.height ?? 0) > 0);
	if (!video?.width || !video.height) return null;
	if (video.width > MAX_DIMENSION_PX || video.height > MAX_DIMENSION_PX) {
		throw new UnsupportedStream("dimensions_too_large", `the stream is larger than ${MAX_DIMENSION_PX}px`);
	}
	return { width: video.width, height: video.height, hasAudio: streams.some((s) => s.codec_type === "audio") };
}
