// FFmpeg's arguments for one publisher session of a live stream: the stream on
// stdin, a short-segment HLS ladder out. Each rung's playlist is an EVENT
// playlist that never gets ENDLIST from FFmpeg (omit_endlist): a publisher who
// reconnects starts a new session that appends to the same playlists
// (append_list, after a DISCONTINUITY), and only the end of the stream adds it.

import { rungRateArgs } from "../ffmpeg-command.ts";
import { type Demuxer, pinnedInput } from "../input-format.ts";
import type { Rung } from "../ladder.ts";
import { AUDIO_KBPS, LIVE_FPS, LIVE_SEGMENT_SECONDS } from "./live-ladder.ts";

export const LIVE_OUTPUT = {
	rungDir: (i: number) => `hls/${i}`,
	playlist: (i: number) => `hls/${i}/index.m3u8`,
	master: "hls/master.m3u8",
	poster: "poster.jpg",
};

export function liveFfmpegArgs(
	outDir: string,
	rungs: Rung[],
	hasAudio: boolean,
	append: boolean,
	preset: string,
	demuxer: Demuxer,
): string[] {
	const split = rungs.map((_, i) => `[s${i}]`).join("");
	const scales = rungs.map((r, i) => `[s${i}]scale=${r.width}:${r.height}[v${i}]`).join(";");
	const maps = rungs.flatMap((_, i) => ["-map", `[v${i}]`, ...(hasAudio ? ["-map", "0:a:0"] : [])]);
	const streamMap = rungs.map((_, i) => (hasAudio ? `v:${i},a:${i}` : `v:${i}`)).join(" ");
	const flags = ["independent_segments", "omit_endlist", "temp_file", ...(append ? ["append_list", "discont_start"] : [])];
	return [
		"-hide_banner",
		"-nostats",
		"-loglevel",
		"error",
		// Timestamps from a browser's MediaRecorder or a reconnecting publisher need not start at 0 or be complete.
		"-fflags",
		"+genpts+discardcorrupt",
		// FFmpeg otherwise reads 5 MB or 5 s of a pipe before its first frame; our own probe has seen the streams already.
		"-probesize",
		"262144",
		"-analyzeduration",
		"1000000",
		...pinnedInput(demuxer, "pipe"),
		"-i",
		"pipe:0",
		"-filter_complex",
		`[0:v]fps=${LIVE_FPS},split=${rungs.length}${split};${scales}`,
		...maps,
		"-c:v",
		"libx264",
		"-preset",
		preset,
		"-tune",
		"zerolatency",
		"-profile:v",
		"main",
		"-level",
		"3.1",
		"-pix_fmt",
		"yuv420p",
		// A keyframe at every segment boundary, so each segment starts one and is exactly LIVE_SEGMENT_SECONDS long.
		"-force_key_frames",
		`expr:gte(t,n_forced*${LIVE_SEGMENT_SECONDS})`,
		"-sc_threshold",
		"0",
		...rungRateArgs(rungs),
		...(hasAudio ? ["-c:a", "aac", "-b:a", `${AUDIO_KBPS}k`, "-ac", "2", "-ar", "48000"] : []),
		"-f",
		"hls",
		"-hls_time",
		String(LIVE_SEGMENT_SECONDS),
		"-hls_list_size",
		"0",
		"-hls_playlist_type",
		"event",
		"-hls_flags",
		flags.join("+"),
		"-hls_segment_filename",
		`${outDir}/hls/%v/seg%05d.ts`,
		"-var_stream_map",
		streamMap,
		`${outDir}/hls/%v/index.m3u8`,
	];
}

/** A poster from the recording's first segment, made once the stream has ended. */
export const livePosterArgs = (segmentPath: string, posterPath: string) => [
	"-hide_banner",
	"-loglevel",
	"error",
	"-y",
	...pinnedInput("mpegts", "file"),
	"-i",
	segmentPath,
	"-frames:v",
	"1",
	"-q:v",
	"3",
	posterPath,
];
