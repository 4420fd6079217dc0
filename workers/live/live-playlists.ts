// A live stream's playlists as players see them. The transcoder writes one
// playlist per rung for each generation of a stream (a generation ends when
// the instance holding it is lost); the Durable Object publishes one playlist
// per rung for the whole stream: the earlier generations' segments, a
// DISCONTINUITY, then the current one's. Segment names carry their generation
// (`g1-seg00004.ts`), so a new generation never overwrites an old segment.
// Pure, so it is tested without a stream.

const SEGMENT = /^hls\/(\d+)\/(seg(\d{5})\.ts)$/;

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

/** The segment lines of a playlist (EXTINF, DISCONTINUITY and URIs), without its header or ENDLIST. */
export function segmentEntries(text: string): string[] {
	const lines = text.split("\n").map((l) => l.trim());
	const entries = lines.filter((l) => l.startsWith("#EXTINF:") || l === "#EXT-X-DISCONTINUITY" || (l !== "" && !l.startsWith("#")));
	// FFmpeg's append mode writes a DISCONTINUITY before the first segment too; one before any segment means nothing.
	while (entries[0] === "#EXT-X-DISCONTINUITY") entries.shift();
	return entries;
}

/** One rung's playlist over `carried` (earlier generations' entries) and the current generation's text. */
export function composePlaylist(carried: readonly string[], current: string, gen: number, ended: boolean): string {
	const entries = segmentEntries(current).map((l) => (l.startsWith("#") ? l : `g${gen}-${l}`));
	const body = carried.length > 0 && entries.length > 0 ? [...carried, "#EXT-X-DISCONTINUITY", ...entries] : [...carried, ...entries];
	const longest = Math.max(1, ...body.filter((l) => l.startsWith("#EXTINF:")).map((l) => Math.ceil(Number.parseFloat(l.slice(8)))));
	return [
		"#EXTM3U",
		"#EXT-X-VERSION:6",
		`#EXT-X-TARGETDURATION:${longest}`,
		"#EXT-X-MEDIA-SEQUENCE:0",
		"#EXT-X-PLAYLIST-TYPE:EVENT",
		"#EXT-X-INDEPENDENT-SEGMENTS",
		...body,
		...(ended ? ["#EXT-X-ENDLIST"] : []),
		"",
	].join("\n");
}

/** Seconds a playlist covers. */
export const playlistSeconds = (text: string) => [...text.matchAll(/^#EXTINF:([\d.]+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);

/** Closes a live playlist: the recording is complete, players treat it as video on demand. */
export const withEndList = (text: string) => (text.includes("#EXT-X-ENDLIST") ? text : `${text.trimEnd()}\n#EXT-X-ENDLIST\n`);
