// The one FFmpeg invocation that turns a source into everything a reel needs:
// every rung of the ladder as CMAF (fMP4) segments with keyframes forced on the
// same 2 s grid, one DASH manifest plus HLS playlists over those same segments,
// and the poster, thumbnail and storyboard tiles, all from a single decode.
import { type Demuxer, pinnedInput } from "./input-format.ts";
import { type Rung, squarePixels, type TranscodePlan } from "./ladder.ts";

/** Where the outputs land, relative to the job's output folder (docs/architecture: R2 key layout). */
export const OUTPUT = {
	dashManifest: "dash/manifest.mpd",
	/** HLS playlists the DASH muxer writes next to the manifest; packaging moves them under hls/. */
	muxerHlsMaster: "dash/master.m3u8",
	muxerHlsMedia: (rep: number) => `dash/media_${rep}.m3u8`,
	hlsMaster: "hls/master.m3u8",
	hlsMedia: (rep: number) => `hls/${rep}/playlist.m3u8`,
	segmentDir: (rep: number) => `hls/${rep}`,
	poster: "poster.jpg",
	thumbnail: "thumb.jpg",
	storyboardImage: "storyboard.jpg",
	storyboardVtt: "storyboard.vtt",
	/** The animated preview (preview.ts): a short muted loop for grids. */
	preview: "preview.mp4",
	/** A clip's own source (clip.ts): the range cut from its parent, which becomes the clip's original. */
	source: "source.mp4",
	/** Scratch: the storyboard's single tiles, removed once joined. */
	storyboardTiles: "storyboard-tiles",
} as const;

export interface EncoderSettings {
	/** x264 preset: the speed/size trade-off. */
	preset: string;
}

/** Quiet, no prompts, overwrite, and progress as key=value blocks on stdout (run-ffmpeg.ts reads them). */
const COMMON = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"];

/** One JPEG of the first frame reaching an output, at JPEG quality `q` (2 best .. 31). */
const oneJpeg = (q: number, path: string) => ["-frames:v", "1", "-update", "1", "-q:v", String(q), path];

/** Representation ids: 0..n-1 are the video rungs, n is the audio track. */
export function representationCount(plan: TranscodePlan): number {
	return plan.rungs.length + (plan.hasAudio ? 1 : 0);
}

/** Each rung's target bitrate and VBV cap, by output video stream index (the live ladder uses them too). */
export const rungRateArgs = (rungs: readonly Rung[]) =>
	rungs.flatMap((r, i) => [
		`-b:v:${i}`,
		`${r.bitrateKbps}k`,
		`-maxrate:v:${i}`,
		`${r.maxrateKbps}k`,
		`-bufsize:v:${i}`,
		`${r.bufsizeKbps}k`,
	]);

export function ffmpegArgs(source: string, outDir: string, plan: TranscodePlan, encoder: EncoderSettings, demuxer: Demuxer): string[] {
	const n = plan.rungs.length;
	const board = plan.storyboard;
	const top = plan.rungs[0];
	if (!top) throw new Error("a plan needs at least one rung");
	const filters = [
		// fps caps the output rate (ladder.ts MAX_OUTPUT_FPS): frames beyond it are dropped before any scaling or encoding.
		`[0:v]${plan.fps === null ? "" : `fps=${plan.fps},`}format=yuv420p,split=${n + 2}${plan.rungs.map((_, i) => `[s${i}]`).join("")}[still][board]`,
		// Square pixels when every rung has the source's exact shape (ladder.ts fitShortSide): the DASH manifest
		// then says sar 1:1 throughout. Otherwise scale keeps the source's display aspect with a non-square SAR
		// (the DASH muxer requires one display aspect per adaptation set).
		...plan.rungs.map((r, i) => `[s${i}]scale=${r.width}:${r.height}${squarePixels(plan.rungs) ? ",setsar=1" : ""}[v${i}]`),
		`[still]trim=start=${plan.posterAtS.toFixed(3)},setpts=PTS-STARTPTS,split=2[p][t]`,
		`[p]scale=${top.width}:${top.height},setsar=1[poster]`,
		`[t]scale=${plan.thumbnail.width}:${plan.thumbnail.height},setsar=1[thumb]`,
		// Tiles leave as separate small JPEGs, one per interval, and are joined into the sprite afterwards
		// (spriteArgs). A tile filter here would hold back its output until the last frame, and FFmpeg,
		// which feeds the output that is furthest behind, would buffer every rung's frames meanwhile.
		`[board]fps=1/${board.intervalS},scale=${board.tileWidth}:${board.tileHeight},setsar=1[tiles]`,
	];
	const video = [...plan.rungs.flatMap((_, i) => ["-map", `[v${i}]`]), ...rungRateArgs(plan.rungs)];
	const audio = plan.hasAudio ? ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000"] : [];
	const keyframeGrid = `expr:gte(t,n_forced*${plan.segmentSeconds})`;
	const out = (rel: string) => `${outDir}/${rel}`;
	return [
		...COMMON,
		// Decode no further than the duration the probe accepted, whatever the rest of the file holds.
		"-t",
		plan.durationS.toFixed(3),
		...pinnedInput(demuxer, "file"),
		"-i",
		source,
		// Nothing of the source's own metadata may reach the public renditions (phones write where a video was
		// shot, ©xyz). FFmpeg's DASH muxer drops it today; this keeps it so should the muxer or the flags change.
		"-map_metadata",
		"-1",
		"-map_chapters",
		"-1",
		"-filter_complex",
		filters.join(";"),
		...video,
		...audio,
		"-c:v",
		"libx264",
		"-preset",
		encoder.preset,
		"-profile:v",
		"high",
		// Scene-cut keyframes off and forced ones on one grid: every rung cuts at the same instants, so players can switch at any segment.
		"-sc_threshold",
		"0",
		"-force_key_frames",
		keyframeGrid,
		"-f",
		"dash",
		"-seg_duration",
		String(plan.segmentSeconds),
		"-use_template",
		"1",
		"-use_timeline",
		"1",
		"-adaptation_sets",
		plan.hasAudio ? "id=0,streams=v id=1,streams=a" : "id=0,streams=v",
		"-init_seg_name",
		"../hls/$RepresentationID$/init.m4s",
		"-media_seg_name",
		"../hls/$RepresentationID$/seg-$Number%05d$.m4s",
		"-hls_playlist",
		"1",
		out(OUTPUT.dashManifest),
		"-map",
		"[poster]",
		...oneJpeg(3, out(OUTPUT.poster)),
		"-map",
		"[thumb]",
		...oneJpeg(4, out(OUTPUT.thumbnail)),
		"-map",
		"[tiles]",
		"-q:v",
		"5",
		"-f",
		"image2",
		out(`${OUTPUT.storyboardTiles}/%04d.jpg`),
	];
}

/** Joins the storyboard tiles into one sprite sheet: a second, tiny FFmpeg run over at most 100 thumbnails. */
export function spriteArgs(outDir: string, plan: TranscodePlan): string[] {
	const board = plan.storyboard;
	return [
		...COMMON,
		"-framerate",
		"1",
		...pinnedInput("image2", "file"),
		"-i",
		`${outDir}/${OUTPUT.storyboardTiles}/%04d.jpg`,
		"-vf",
		`tile=${board.columns}x${board.rows}`,
		...oneJpeg(5, `${outDir}/${OUTPUT.storyboardImage}`),
	];
}

/** Folders FFmpeg writes into but does not create. */
export function outputDirs(plan: TranscodePlan): string[] {
	return ["dash", OUTPUT.storyboardTiles, ...Array.from({ length: representationCount(plan) }, (_, i) => OUTPUT.segmentDir(i))];
}
