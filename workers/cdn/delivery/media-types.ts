// Content types by extension for everything /cdn serves: originals, thumbnails
// and the HLS/DASH renditions the transcoder writes.
const TYPES: Record<string, string> = {
	jpg: "image/jpeg",
	jpeg: "image/jpeg",
	png: "image/png",
	webp: "image/webp",
	avif: "image/avif",
	gif: "image/gif",
	mp4: "video/mp4",
	m4v: "video/mp4",
	mov: "video/quicktime",
	webm: "video/webm",
	m4s: "video/iso.segment",
	m4a: "audio/mp4",
	ts: "video/mp2t",
	m3u8: "application/vnd.apple.mpegurl",
	mpd: "application/dash+xml",
	vtt: "text/vtt; charset=utf-8",
};

/** The content type for `key`'s extension, or undefined when /cdn does not serve that kind of file. */
export function mediaTypeOf(key: string): string | undefined {
	const dot = key.lastIndexOf(".");
	return dot < 0 ? undefined : TYPES[key.slice(dot + 1).toLowerCase()];
}
