// The public URLs of a reel's pages, absolute (link previews, oEmbed and embeds leave this origin):
// built from the request's origin, which in production is the Custom Domain the Worker is served on.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (s: string) => UUID.test(s);

export const reelPageUrl = (requestUrl: string, id: string) => new URL(`/reel/${id}`, requestUrl).href;
export const embedUrl = (requestUrl: string, id: string) => new URL(`/embed/${id}`, requestUrl).href;
export const oembedUrlOf = (requestUrl: string, id: string) =>
	new URL(`/oembed?url=${encodeURIComponent(reelPageUrl(requestUrl, id))}`, requestUrl).href;
/** A /cdn or /img path made absolute (null stays null). */
export const absolute = (requestUrl: string, path: string | null) => (path === null ? null : new URL(path, requestUrl).href);

/**
 * The reel id of a URL on this origin that shows one reel (its page or its embed), or undefined: a URL
 * on any other host is not ours to describe, whatever its path.
 */
export function reelIdOfUrl(requestUrl: string, url: string): string | undefined {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return undefined;
	}
	if (parsed.host !== new URL(requestUrl).host || !/^https?:$/.test(parsed.protocol)) return undefined;
	const m = /^\/(?:reel|embed)\/([^/]+)\/?$/.exec(parsed.pathname);
	return m?.[1] && UUID.test(m[1]) ? m[1].toLowerCase() : undefined;
}
