// The audio handed to production's recogniser, Whisper on Workers AI (docs/captions.md), instead of
// recognising here: 16 kHz mono MP3 in chunks of SPEECH_CHUNK_SECONDS, each with its start in the
// video, listed beside the job's outputs (never published). The Worker sends each chunk to the model
// and offsets the segments it returns by the chunk's start.
//   https://developers.cloudflare.com/workers-ai/models/whisper-large-v3-turbo/
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { type Demuxer, pinnedInput } from "../input-format.ts";
import { runFfmpeg } from "../run-ffmpeg.ts";

/** Whisper hears 30 s at a time: a chunk of its own window is never windowed again inside the model. */
export const SPEECH_CHUNK_SECONDS = 30;
/** 16 kHz is what Whisper resamples to anyway; 32 kbit/s mono MP3 keeps a chunk near 120 KB. */
const SAMPLE_RATE = 16_000;
const BITRATE = "32k";
export const SPEECH_DIR = "speech";

export interface SpeechAudioChunk {
	/** Relative to the job's folder (beside `out/`, so it is never among the outputs published). */
	path: string;
	contentType: "audio/mpeg";
	bytes: number;
	/** Seconds into the video. */
	start: number;
	seconds: number;
}

/** FFmpeg arguments that write `source`'s first audio stream as chunks, and a CSV of where each starts and ends. */
export function speechAudioArgs(source: string, dir: string, demuxer: Demuxer): string[] {
	return [
		...["-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"],
		...pinnedInput(demuxer, "file"),
		...["-i", source, "-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1"],
		...["-ac", "1", "-ar", String(SAMPLE_RATE), "-c:a", "libmp3lame", "-b:a", BITRATE],
		...["-f", "segment", "-segment_time", String(SPEECH_CHUNK_SECONDS), "-reset_timestamps", "1"],
		...["-segment_list", join(dir, SPEECH_DIR, "chunks.csv"), "-segment_list_type", "csv"],
		join(dir, SPEECH_DIR, "chunk-%03d.mp3"),
	];
}

/** Reads the segment muxer's CSV (`name,start,end` a line) into chunks; `sizes` gives each file's bytes. */
export function chunksFromList(csv: string, sizes: Map<string, number>): SpeechAudioChunk[] {
	const chunks: SpeechAudioChunk[] = [];
	for (const line of csv.split("\n")) {
		const [name, start, end] = line.trim().split(",");
		if (!name || start === undefined || end === undefined) continue;
		const [from, to] = [Number(start), Number(end)];
		const bytes = sizes.get(name);
		if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from || bytes === undefined) continue;
		const round = (s: number) => Math.round(s * 1000) / 1000;
		chunks.push({ path: `${SPEECH_DIR}/${name}`, contentType: "audio/mpeg", bytes, start: round(from), seconds: round(to - from) });
	}
	return chunks;
}

/** Writes the chunks under `dir/speech/` and lists them. */
export async function makeSpeechAudio(
	source: string,
	dir: string,
	{ demuxer, durationS, signal }: { demuxer: Demuxer; durationS: number; signal?: AbortSignal },
): Promise<SpeechAudioChunk[]> {
	await mkdir(join(dir, SPEECH_DIR), { recursive: true });
	await runFfmpeg(speechAudioArgs(source, dir, demuxer), { durationS, signal, onProgress: () => undefined });
	const csv = await readFile(join(dir, SPEECH_DIR, "chunks.csv"), "utf8");
	const sizes = new Map<string, number>();
	for (const line of csv.split("\n")) {
		const name = line.split(",")[0]?.trim();
		if (name) sizes.set(name, (await stat(join(dir, SPEECH_DIR, name))).size);
	}
	return chunksFromList(csv, sizes);
}
