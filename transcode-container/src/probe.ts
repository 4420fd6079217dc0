import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
const FFPROBE_TIMEOUT_MS = 30_000;
/** Anything larger is a decompression bomb or a broken header, not a reel. */
export const MAX_DIMENSION_PX = 4096;

export class UnsupportedSource extends Error {
	readonly code: string;
	constructor(code: string, message: string) {
		super(message);
		this.code = code;
		this.name = "UnsupportedSource";
	}
}

export interface ProbeResult {
	format: string;
	durationMs: number;
	/** Display size: width/height after applying the rotation flag phones write. */
	width: number;
	height: number;
	videoCodec: string;
	hasAudio: boolean;
	bitRate: number | null;
}

interface FfprobeStream {
	codec_type?: string;
	codec_name?: string;
	width?: number;
	height?: number;
	tags?: { rotate?: string };
	side_data_list?: { rotation?: number }[];
}
interface FfprobeOutput {
	streams?: FfprobeStream[];
	format?: { format_name?: string; duration?: string; bit_rate?: string };
}

export async function probeFile(path: string, maxSeconds: number): Promise<ProbeResult> {
	let stdout: string;
	try {
		({ stdout } = await execFileAsync("ffprobe", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path], {
			timeout: FFPROBE_TIMEOUT_MS,
			maxBuffer: 8 * 1024 * 1024,
		}));
	} catch {
		throw new UnsupportedSource("unreadable_media", "ffprobe could not read the source as media");
	}
	return interpretProbe(JSON.parse(stdout) as FfprobeOutput, maxSeconds);
}

/** Pure: turns ffprobe's JSON into a ProbeResult or a reason to refuse it. */
export function interpretProbe(out: FfprobeOutput, maxSeconds: number): ProbeResult {
	const video = out.streams?.find((s) => s.codec_type === "video" && (s.width ?? 0) > 0);
	if (!video?.width || !video.height) throw new UnsupportedSource("no_video_stream", "the source has no video stream");
	const durationS = Number(out.format?.duration ?? Number.NaN);
	if (!Number.isFinite(durationS) || durationS <= 0) throw new UnsupportedSource("zero_duration", "the source has no duration");
	if (durationS > maxSeconds) throw new UnsupportedSource("too_long", `the source is longer than ${maxSeconds}s`);
	if (video.width > MAX_DIMENSION_PX || video.height > MAX_DIMENSION_PX) {
		throw new UnsupportedSource("dimensions_too_large", `the source is larger than ${MAX_DIMENSION_PX}px`);
	}
	const rotation = Math.abs(Number(video.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? video.tags?.rotate ?? 0));
	const quarterTurn = rotation % 180 === 90;
	const bitRate = Number(out.format?.bit_rate);
	return {
		format: out.format?.format_name ?? "unknown",
		durationMs: Math.round(durationS * 1000),
		width: quarterTurn ? video.height : video.width,
		height: quarterTurn ? video.width : video.height,
		videoCodec: video.codec_name ?? "unknown",
		hasAudio: out.streams?.some((s) => s.codec_type === "audio") ?? false,
		bitRate: Number.isFinite(bitRate) ? bitRate : null,
	};
}
