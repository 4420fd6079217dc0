import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { type Demuxer, pinnedInput } from "./input-format.ts";

const execFileAsync = promisify(execFile);
const FFPROBE_TIMEOUT_MS = 30_000;
/** Anything larger is a decompression bomb or a broken header, not a reel. */
export const MAX_DIMENSION_PX = 4096;
/**
 * The most frames per second of source a real camera records (phones' slow motion
 * is 240). A stream holding more frames than its duration allows at this rate has
 * a header that lies, and would keep FFmpeg busy far past what its size suggests.
 */
export const MAX_SOURCE_FPS = 240;

export class UnsupportedSource extends Error {
	readonly code: string;
	constructor(code: string, message: string) {
		super(message);
		this.code = code;
		this.name = "UnsupportedSource";
	}
}

/**
 * Longer than the job's limit but within MAX_ORIGINAL_SECONDS, and otherwise sound media: the
 * Worker keeps the original for a while so a clip of it (within the limit) can still be made.
 */
export class SourceTooLong extends UnsupportedSource {
	readonly durationMs: number;
	readonly maxSeconds: number;
	constructor(durationMs: number, maxSeconds: number) {
		super("too_long", `the source is longer than ${maxSeconds}s`);
		this.name = "SourceTooLong";
		this.durationMs = durationMs;
		this.maxSeconds = maxSeconds;
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
	/** Frames per second of the video stream: the larger of the declared average and the counted one (packets / duration). */
	frameRate: number;
	/** Video packets actually in the file, counted by demuxing it, not read from the header. */
	frames: number;
}

interface FfprobeStream {
	codec_type?: string;
	codec_name?: string;
	width?: number;
	height?: number;
	tags?: { rotate?: string };
	side_data_list?: { rotation?: number }[];
	avg_frame_rate?: string;
	nb_read_packets?: string;
}
interface FfprobeOutput {
	streams?: FfprobeStream[];
	format?: { format_name?: string; duration?: string; bit_rate?: string };
}

/** Probes a source whose demuxer our own sniff chose (input-format.ts): ffprobe reads it as that and nothing else. */
export async function probeFile(path: string, maxSeconds: number, demuxer: Demuxer): Promise<ProbeResult> {
	let stdout: string;
	try {
		({ stdout } = await execFileAsync(
			"ffprobe",
			["-v", "error", ...pinnedInput(demuxer, "file"), "-print_format", "json", "-show_format", "-show_streams", "-count_packets", path],
			{
				timeout: FFPROBE_TIMEOUT_MS,
				maxBuffer: 8 * 1024 * 1024,
			},
		));
	} catch {
		throw new UnsupportedSource("unreadable_media", "ffprobe could not read the source as media");
	}
	return interpretProbe(JSON.parse(stdout) as FfprobeOutput, maxSeconds);
}

/** "30000/1001" → 29.97; 0 for anything unreadable ("0/0" is what ffprobe says when it does not know). */
function rational(raw: string | undefined): number {
	const [num, den] = (raw ?? "").split("/").map(Number);
	const value = (num ?? Number.NaN) / (den ?? 1);
	return Number.isFinite(value) && value > 0 ? value : 0;
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
	// Counted, not declared: -count_packets demuxes the whole file (no decoding), so a
	// header claiming 10 s over a stream of a million frames is caught here.
	const frames = Number(video.nb_read_packets ?? Number.NaN);
	if (!Number.isFinite(frames) || frames <= 0) throw new UnsupportedSource("no_video_frames", "the video stream holds no frames");
	if (frames > Math.ceil(Math.min(durationS, maxSeconds) * MAX_SOURCE_FPS) + 1) {
		throw new UnsupportedSource(
			"too_many_frames",
			`the video holds ${frames} frames, more than ${MAX_SOURCE_FPS} per second of its ${durationS.toFixed(1)} s`,
		);
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
		frameRate: Math.max(rational(video.avg_frame_rate), frames / durationS),
		frames,
	};
}
