// What a publisher sends: one continuous media stream. The container format is
// recognised from the first bytes, so garbage is refused with the first chunk
// rather than after FFmpeg has chewed through megabytes of it; the picture's
// size comes from ffprobe on the first bytes (the ladder depends on it).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { DEMUXER_SNIFF_BYTES, type Demuxer, demuxerFor, pinnedInput } from "../input-format.ts";
import { MAX_DIMENSION_PX } from "../probe.ts";

const execFileAsync = promisify(execFile);
const FFPROBE_TIMEOUT_MS = 10_000;

export type LiveContainer = Demuxer;

/** The stream's demuxer from its first bytes, or null when it is none a publisher may send (MPEG-TS, fragmented MP4, WebM). */
export const sniffContainer = demuxerFor;

/** The minimum first bytes sniffContainer needs to decide. */
export const SNIFF_BYTES = DEMUXER_SNIFF_BYTES;

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
export async function probeHead(path: string, demuxer: Demuxer): Promise<LiveProbe | null> {
	let stdout: string;
	try {
		({ stdout } = await execFileAsync(
			"ffprobe",
			["-v", "error", ...pinnedInput(demuxer, "file"), "-print_format", "json", "-show_streams", path],
			{
				timeout: FFPROBE_TIMEOUT_MS,
			},
		));
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
