// A video's manifests with its caption tracks in them, so every player finds
// them the way it looks for text: HLS players (hls.js, Safari, ExoPlayer) in a
// SUBTITLES rendition group of the master playlist, DASH players (dash.js,
// Shaka) in a text AdaptationSet. Written from the transcoder's own manifests,
// which stay as they are.
//   HLS: https://datatracker.ietf.org/doc/html/rfc8216#section-4.3.4.1
//   DASH: ISO/IEC 23009-1, AdaptationSet with contentType="text" and a sidecar WebVTT (BaseURL)
/** Tracks a video may have: each is listed in both manifests and every answer about the video. */
export const MAX_TRACKS = 20;

export interface CaptionTrack {
	lang: string;
	label: string;
	/** Relative to the video's derived folder: `captions/<lang>-<rev>.vtt` and `.m3u8`. */
	vtt: string;
	playlist: string;
	bytes: number;
}

/** Every subtitle rendition's group; each variant names it. */
const GROUP = "cc";

/** Quoted-string attribute values may not hold `"` or line breaks (RFC 8216 §4.2). */
const quoted = (s: string) => s.replace(/["\r\n]/g, "");

/** A NAME is unique within its group (RFC 8216 §4.3.4.1.1): a repeated label gets its language after it. */
function uniqueNames(tracks: CaptionTrack[]): string[] {
	const seen = new Set<string>();
	return tracks.map((t) => {
		const name = seen.has(t.label) ? `${t.label} (${t.lang})` : t.label;
		seen.add(name);
		return name;
	});
}

/**
 * The HLS master with a SUBTITLES group: one rendition per track (not DEFAULT, AUTOSELECT so a
 * player that follows the viewer's accessibility settings may pick it), and every variant
 * pointing at the group. `fromHls`: the path from the master's folder to the derived folder.
 */
export function captionedMaster(master: string, tracks: CaptionTrack[], fromHls = "../"): string {
	const names = uniqueNames(tracks);
	const media = tracks.map(
		(t, i) =>
			`#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${GROUP}",NAME="${quoted(names[i] as string)}",LANGUAGE="${t.lang}",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="${fromHls}${t.playlist}"`,
	);
	const lines = master.replace(/\r\n?/g, "\n").split("\n");
	const firstVariant = lines.findIndex((l) => l.startsWith("#EXT-X-STREAM-INF:"));
	if (firstVariant === -1) throw new Error("the master playlist has no variant");
	const out = lines.map((l) => (l.startsWith("#EXT-X-STREAM-INF:") ? `${l.replace(/,SUBTITLES="[^"]*"/, "")},SUBTITLES="${GROUP}"` : l));
	out.splice(firstVariant, 0, ...media);
	return out.join("\n");
}

/**
 * A track's media playlist: the whole WebVTT file as its one segment. A reel's captions are a few
 * kilobytes, so one request fetches them all; the playlist is VOD and ends.
 */
export function captionPlaylist(vttFileName: string, durationS: number): string {
	const duration = Math.max(durationS, 0.001);
	return [
		"#EXTM3U",
		"#EXT-X-VERSION:3",
		`#EXT-X-TARGETDURATION:${Math.ceil(duration)}`,
		"#EXT-X-MEDIA-SEQUENCE:0",
		"#EXT-X-PLAYLIST-TYPE:VOD",
		`#EXTINF:${duration.toFixed(3)},`,
		vttFileName,
		"#EXT-X-ENDLIST",
		"",
	].join("\n");
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * The DASH manifest with one text AdaptationSet per track: a sidecar WebVTT file (BaseURL), the
 * subtitle role and the track's label. Ids start past the transcoder's own.
 */
export function captionedMpd(mpd: string, tracks: CaptionTrack[], fromDash = "../"): string {
	const period = mpd.lastIndexOf("</Period>");
	if (period === -1) throw new Error("the DASH manifest has no Period");
	const end = mpd.lastIndexOf("\n", period) + 1; // the start of the closing line
	const sets = tracks
		.map(
			(t, i) => `		<AdaptationSet id="${100 + i}" contentType="text" mimeType="text/vtt" lang="${xml(t.lang)}">
			<Label>${xml(t.label)}</Label>
			<Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle" />
			<Representation id="caption-${xml(t.lang)}" bandwidth="${Math.max(8, Math.ceil(t.bytes * 8))}">
				<BaseURL>${xml(fromDash + t.vtt)}</BaseURL>
			</Representation>
		</AdaptationSet>
`,
		)
		.join("");
	return mpd.slice(0, end) + sets + mpd.slice(end);
}
