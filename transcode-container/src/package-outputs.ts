// Turns what FFmpeg wrote into the published layout: HLS playlists moved from
// next to the DASH manifest into hls/ (the segments are shared, so only
// their relative paths change), the storyboard's WebVTT, and the list of
// files the Worker copies to R2 in a safe order.
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { OUTPUT, representationCount } from "./ffmpeg-command.ts";
import { storyboardVtt, type TranscodePlan } from "./ladder.ts";

export type OutputRole = "segment" | "playlist" | "manifest" | "poster" | "thumbnail" | "storyboard" | "preview" | "source";

export interface OutputFile {
	path: string;
	bytes: number;
	contentType: string;
	role: OutputRole;
}

export interface Rendition {
	width: number;
	height: number;
	/** Peak bits per second as advertised in the HLS master playlist. */
	bandwidth: number;
	codecs: string;
	playlist: string;
}

const CONTENT_TYPES: Record<string, string> = {
	m3u8: "application/vnd.apple.mpegurl",
	mpd: "application/dash+xml",
	m4s: "video/iso.segment",
	jpg: "image/jpeg",
	mp4: "video/mp4",
	vtt: "text/vtt",
};

function roleOf(path: string): OutputRole {
	if (path === OUTPUT.poster) return "poster";
	if (path === OUTPUT.thumbnail) return "thumbnail";
	if (path === OUTPUT.preview) return "preview";
	if (path === OUTPUT.source) return "source";
	if (path === OUTPUT.storyboardImage || path === OUTPUT.storyboardVtt) return "storyboard";
	if (path === OUTPUT.hlsMaster || path === OUTPUT.dashManifest) return "manifest";
	if (path.endsWith(".m3u8")) return "playlist";
	return "segment";
}

/** Publishing order: a playlist is never visible before the segments it lists, nor a manifest before its playlists. */
const ROLE_ORDER: OutputRole[] = ["source", "segment", "poster", "thumbnail", "storyboard", "preview", "playlist", "manifest"];

/**
 * A VOD playlist once the pass is over; while it runs, an EVENT playlist (segments are only ever
 * appended) that starts players at its beginning, not at its live edge: a reel is watched from 0 s.
 */
function rewriteMediaPlaylist(text: string, rep: number, type: "VOD" | "EVENT"): string {
	const header = type === "VOD" ? "#EXT-X-PLAYLIST-TYPE:VOD" : "#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-START:TIME-OFFSET=0,PRECISE=YES";
	return text
		.split("\n")
		.filter((line) => !line.startsWith("#EXT-X-PROGRAM-DATE-TIME")) // wall-clock times of the encode, meaningless for VOD
		.map((line) => (line.startsWith("#EXT-X-VERSION") ? `${line}\n${header}` : line))
		.join("\n")
		.replaceAll(`../hls/${rep}/`, "");
}

function rewriteMaster(text: string, reps: number): string {
	let out = text;
	for (let i = 0; i < reps; i++) out = out.replaceAll(`media_${i}.m3u8`, `${i}/playlist.m3u8`);
	return out;
}

/**
 * Makes the HLS master advertise exactly what the DASH manifest says: each variant's BANDWIDTH is
 * its video representation's bandwidth plus the audio's (an HLS variant counts the audio it plays
 * with; DASH lists audio as its own adaptation set). FFmpeg's HLS writer otherwise estimates the
 * audio part on its own, so the two manifests disagreed for the same renditions.
 */
export function alignMasterWithMpd(master: string, mpd: string): string {
	const reps = new Map(
		[...mpd.matchAll(/<Representation id="(\d+)" mimeType="(video|audio)\/mp4"[^>]*?bandwidth="(\d+)"/g)].map((m) => [
			Number(m[1]),
			{ kind: m[2], bandwidth: Number(m[3]) },
		]),
	);
	const audio = [...reps.values()].find((r) => r.kind === "audio")?.bandwidth ?? 0;
	const lines = master.split("\n");
	return lines
		.map((line, i) => {
			if (!line.startsWith("#EXT-X-STREAM-INF:")) return line;
			const uri = lines.slice(i + 1).find((l) => l.trim() && !l.startsWith("#")) ?? "";
			const video = reps.get(Number(uri.split("/")[0]));
			return video?.kind === "video" ? line.replace(/BANDWIDTH=\d+/, `BANDWIDTH=${video.bandwidth + audio}`) : line;
		})
		.join("\n");
}

/** HLS attribute list: KEY=value,KEY="quoted, with commas". */
function attributes(list: string): Map<string, string> {
	return new Map([...list.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)].map((m) => [m[1] as string, (m[2] as string).replace(/^"|"$/g, "")]));
}

/** Reads the video renditions back from the master playlist, so what we report is exactly what players are told. */
export function renditionsOf(master: string): Rendition[] {
	const lines = master.split("\n").map((l) => l.trim());
	const out: Rendition[] = [];
	lines.forEach((line, i) => {
		if (!line.startsWith("#EXT-X-STREAM-INF:")) return;
		const attr = attributes(line.slice("#EXT-X-STREAM-INF:".length));
		const [width, height] = (attr.get("RESOLUTION") ?? "0x0").split("x").map(Number);
		const uri = lines.slice(i + 1).find((l) => l && !l.startsWith("#"));
		if (!uri || !width || !height) return;
		out.push({ width, height, bandwidth: Number(attr.get("BANDWIDTH") ?? 0), codecs: attr.get("CODECS") ?? "", playlist: `hls/${uri}` });
	});
	return out.sort((a, b) => b.height * b.width - a.height * a.width);
}

async function masterOf(outDir: string, reps: number): Promise<string> {
	return alignMasterWithMpd(
		rewriteMaster(await readFile(join(outDir, OUTPUT.muxerHlsMaster), "utf8"), reps),
		await readFile(join(outDir, OUTPUT.dashManifest), "utf8"),
	);
}

async function listFiles(dir: string, root = dir): Promise<string[]> {
	const entries = await readdir(dir, { withFileTypes: true });
	const nested = await Promise.all(
		entries.map((e) => (e.isDirectory() ? listFiles(join(dir, e.name), root) : Promise.resolve([relative(root, join(dir, e.name))]))),
	);
	return nested.flat();
}

export async function packageOutputs(outDir: string, plan: TranscodePlan): Promise<{ files: OutputFile[]; renditions: Rendition[] }> {
	const reps = representationCount(plan);
	for (let rep = 0; rep < reps; rep++) {
		const text = await readFile(join(outDir, OUTPUT.muxerHlsMedia(rep)), "utf8");
		await writeFile(join(outDir, OUTPUT.hlsMedia(rep)), rewriteMediaPlaylist(text, rep, "VOD"));
		await rm(join(outDir, OUTPUT.muxerHlsMedia(rep)));
	}
	const master = await masterOf(outDir, reps);
	await writeFile(join(outDir, OUTPUT.hlsMaster), master);
	await rm(join(outDir, OUTPUT.muxerHlsMaster));
	const imageName = OUTPUT.storyboardImage.split("/").pop() as string;
	await writeFile(join(outDir, OUTPUT.storyboardVtt), storyboardVtt(plan.storyboard, plan.durationS, imageName));

	const files = await Promise.all(
		(await listFiles(outDir)).map(async (path): Promise<OutputFile> => {
			const ext = path.slice(path.lastIndexOf(".") + 1);
			return {
				path,
				bytes: (await stat(join(outDir, path))).size,
				contentType: CONTENT_TYPES[ext] ?? "application/octet-stream",
				role: roleOf(path),
			};
		}),
	);
	files.sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || a.path.localeCompare(b.path));
	return { files, renditions: renditionsOf(master) };
}

/** A playlist published while the pass runs: small, so it travels inside the job's status, never as a file that changes under a reader. */
export interface PlaylistText {
	path: string;
	/** `manifest` for the master, `playlist` for a representation's. */
	role: "playlist" | "manifest";
	contentType: string;
	text: string;
}

/** What can be published while FFmpeg still runs (progressive publishing). */
export interface ProgressiveOutputs {
	/** Init segments and every media segment the muxer has finished (listed in its playlists): they never change again. */
	files: OutputFile[];
	/** EVENT media playlists over exactly those segments, and the master. */
	playlists: PlaylistText[];
	renditions: Rendition[];
}

const SEGMENT_LINE = /^\.\.\/hls\/\d+\/seg-\d{5}\.m4s$/;

/**
 * The finished part of a running pass, or null until every representation (each rung and the
 * audio) has at least one finished segment: only then can a player start on any rung. The DASH
 * muxer rewrites its playlists (by rename, so a read never sees half of one) after closing each
 * segment, so a segment they list is complete; the DASH manifest itself is published at the end only.
 */
export async function progressiveOutputs(outDir: string, plan: TranscodePlan): Promise<ProgressiveOutputs | null> {
	const reps = representationCount(plan);
	try {
		const texts: string[] = [];
		for (let rep = 0; rep < reps; rep++) texts.push(await readFile(join(outDir, OUTPUT.muxerHlsMedia(rep)), "utf8"));
		const segments = texts.map((t) => t.split("\n").filter((l) => SEGMENT_LINE.test(l.trim())));
		if (segments.some((s) => s.length === 0)) return null;
		const master = await masterOf(outDir, reps);
		const paths = segments.flatMap((listed, rep) => [
			`${OUTPUT.segmentDir(rep)}/init.m4s`,
			...listed.map((l) => l.trim().slice("../".length)),
		]);
		const files = await Promise.all(
			paths.map(
				async (path): Promise<OutputFile> => ({
					path,
					bytes: (await stat(join(outDir, path))).size,
					contentType: CONTENT_TYPES.m4s as string,
					role: "segment",
				}),
			),
		);
		const playlists: PlaylistText[] = [
			...texts.map((text, rep) => ({
				path: OUTPUT.hlsMedia(rep),
				role: "playlist" as const,
				contentType: CONTENT_TYPES.m3u8 as string,
				text: rewriteMediaPlaylist(text, rep, "EVENT"),
			})),
			{ path: OUTPUT.hlsMaster, role: "manifest", contentType: CONTENT_TYPES.m3u8 as string, text: master },
		];
		return { files, playlists, renditions: renditionsOf(master) };
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === "ENOENT") return null; // the muxer has not written them yet
		throw err;
	}
}
