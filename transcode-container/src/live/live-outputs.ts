// What a live stream has published so far, read back from FFmpeg's playlists:
// every segment a playlist lists is finished (the HLS muxer writes segments
// and playlists to a temporary name and renames them), so those segments and
// the playlist texts can be copied while the stream goes on. The shape is the
// one progressive publishing uses, so the Worker copies both the same way.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Rung } from "../ladder.ts";
import type { OutputFile, PlaylistText, ProgressiveOutputs, Rendition } from "../package-outputs.ts";
import { LIVE_OUTPUT } from "./live-command.ts";
import { AUDIO_KBPS, LIVE_FPS, liveCodecs } from "./live-ladder.ts";

const PLAYLIST_TYPE = "application/vnd.apple.mpegurl";
const SEGMENT_TYPE = "video/mp2t";
const SEGMENT_LINE = /^seg\d{5}\.ts$/;

export interface LiveLadder {
	rungs: Rung[];
	hasAudio: boolean;
}

export function liveRenditions({ rungs, hasAudio }: LiveLadder): Rendition[] {
	return rungs.map((r, i) => ({
		width: r.width,
		height: r.height,
		bandwidth: (r.maxrateKbps + (hasAudio ? AUDIO_KBPS : 0)) * 1000,
		codecs: liveCodecs(hasAudio),
		playlist: LIVE_OUTPUT.playlist(i),
	}));
}

/** The master playlist: written by us from the ladder, so it exists before FFmpeg has finished a segment. */
export function liveMaster(ladder: LiveLadder): string {
	const variants = liveRenditions(ladder).map(
		(r, i) =>
			`#EXT-X-STREAM-INF:BANDWIDTH=${r.bandwidth},RESOLUTION=${r.width}x${r.height},CODECS="${r.codecs}",FRAME-RATE=${LIVE_FPS}.000\n${i}/index.m3u8`,
	);
	return ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-INDEPENDENT-SEGMENTS", ...variants, ""].join("\n");
}

/** Ends a live playlist: the recording is complete, players treat it as video on demand. */
export const withEndList = (text: string) => (text.includes("#EXT-X-ENDLIST") ? text : `${text.trimEnd()}\n#EXT-X-ENDLIST\n`);

/** Seconds the playlist covers (the sum of its segments' durations). */
export const playlistSeconds = (text: string) => [...text.matchAll(/^#EXTINF:([\d.]+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);

/**
 * The finished segments and the playlists over them, or null until every rung has a segment
 * (only then can a player start on any of them). `ended` adds ENDLIST to every playlist.
 */
export async function liveOutputs(outDir: string, ladder: LiveLadder, ended: boolean): Promise<ProgressiveOutputs | null> {
	const texts: string[] = [];
	try {
		for (let i = 0; i < ladder.rungs.length; i++) texts.push(await readFile(join(outDir, LIVE_OUTPUT.playlist(i)), "utf8"));
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
		throw err;
	}
	const listed = texts.map((t) => t.split("\n").filter((l) => SEGMENT_LINE.test(l.trim())));
	if (listed.some((l) => l.length === 0)) return null;
	const files = await Promise.all(
		listed.flatMap((names, i) =>
			names.map(async (name): Promise<OutputFile> => {
				const path = `${LIVE_OUTPUT.rungDir(i)}/${name.trim()}`;
				return { path, bytes: (await stat(join(outDir, path))).size, contentType: SEGMENT_TYPE, role: "segment" };
			}),
		),
	);
	const playlists: PlaylistText[] = [
		...texts.map((text, i) => ({
			path: LIVE_OUTPUT.playlist(i),
			role: "playlist" as const,
			contentType: PLAYLIST_TYPE,
			text: ended ? withEndList(text) : text,
		})),
		{ path: LIVE_OUTPUT.master, role: "manifest", contentType: PLAYLIST_TYPE, text: liveMaster(ladder) },
	];
	return { files, playlists, renditions: liveRenditions(ladder) };
}
