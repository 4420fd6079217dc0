// A live stream's playlists as players see them. The transcoder writes one
// playlist per rung for each generation of a stream (a generation ends when
// the instance holding it is lost); the Durable Object publishes one playlist
// per rung for the whole stream, built from an append-only list of its
// entries: every generation's segments, with a DISCONTINUITY where one
// generation follows another. Segment names carry their generation
// (`g1-seg00004.ts`), so a new generation never overwrites an old segment.
// Pure, so it is tested without a stream.

const SEGMENT = /^hls\/(\d+)\/(seg(\d{5})\.ts)$/;
const RUNG_PLAYLIST = /^hls\/(\d+)\/index\.m3u8$/;

/** Where a recording's playlists are, relative to its prefix (the transcoder's own layout, kept as it is). */
export const LIVE_MASTER = "hls/master.m3u8";
export const rungPlaylist = (rung: number) => `hls/${rung}/index.m3u8`;

/** The rung a playlist path is for, or null for the master or anything else. */
export function rungOf(path: string): number | null {
	const m = RUNG_PLAYLIST.exec(path);
	return m ? Number(m[1]) : null;
}

/** The URL players start from, for a recording under `prefix`. */
export const livePlaybackPath = (prefix: string) => `/cdn/${prefix}${LIVE_MASTER}`;
const DISCONTINUITY = "#EXT-X-DISCONTINUITY";

/** The rung and number of a transcoder segment path (`hls/0/seg00012.ts`), or null for any other file. */
export function segmentOf(path: string): { rung: number; n: number } | null {
	const m = SEGMENT.exec(path);
	return m ? { rung: Number(m[1]), n: Number(m[3]) } : null;
}

/** Where a transcoder file of generation `gen` is published, relative to the recording's prefix. */
export function publishedPath(gen: number, path: string): string {
	const m = SEGMENT.exec(path);
	return m ? `hls/${m[1]}/g${gen}-${m[2]}` : path;
}

/** The segment lines of a transcoder playlist (EXTINF, DISCONTINUITY and URIs), named for generation `gen`. */
export function segmentEntries(text: string, gen: number): string[] {
	const lines = text.split("\n").map((l) => l.trim());
	const entries = lines.filter((l) => l.startsWith("#EXTINF:") || l === DISCONTINUITY || (l !== "" && !l.startsWith("#")));
	// FFmpeg's append mode writes a DISCONTINUITY before the first segment too; one before any segment means nothing.
	while (entries[0] === DISCONTINUITY) entries.shift();
	return entries.map((l) => (l.startsWith("#") ? l : `g${gen}-${l}`));
}

/**
 * The entries to append for a rung: those of the current generation's playlist past the `stored`
 * already appended, preceded by a DISCONTINUITY when they are a new generation's first after an
 * earlier one's.
 */
export function entriesToAppend(current: readonly string[], stored: number, earlierGenerations: boolean): string[] {
	const fresh = current.slice(stored);
	return stored === 0 && earlierGenerations && fresh.length > 0 ? [DISCONTINUITY, ...fresh] : fresh;
}

/** A rung's playlist over all its entries; ENDLIST once the stream has ended. */
export function playlistOf(entries: readonly string[], ended: boolean): string {
	const longest = Math.max(1, ...entries.filter((l) => l.startsWith("#EXTINF:")).map((l) => Math.ceil(Number.parseFloat(l.slice(8)))));
	return [
		"#EXTM3U",
		"#EXT-X-VERSION:6",
		`#EXT-X-TARGETDURATION:${longest}`,
		"#EXT-X-MEDIA-SEQUENCE:0",
		"#EXT-X-PLAYLIST-TYPE:EVENT",
		"#EXT-X-INDEPENDENT-SEGMENTS",
		...entries,
		...(ended ? ["#EXT-X-ENDLIST"] : []),
		"",
	].join("\n");
}

/** Seconds the entries cover. */
export const entriesSeconds = (entries: readonly string[]) =>
	entries.filter((l) => l.startsWith("#EXTINF:")).reduce((sum, l) => sum + Number.parseFloat(l.slice(8)), 0);
