// Pictures go through /img with srcset widths from the allow-listed set and
// format=auto (AVIF or WebP where the browser takes them).

const WIDTHS = [160, 240, 320, 480, 640] as const;

/** The R2 key of a public /cdn path, or null (signed URLs are not resized: their bytes are not public). */
const keyOf = (cdnPath: string | null | undefined) =>
	cdnPath?.startsWith("/cdn/") && !cdnPath.startsWith("/cdn/s/") ? cdnPath.slice(5) : null;

export function imgSrc(cdnPath: string | null | undefined, width: (typeof WIDTHS)[number] = 320): string | undefined {
	const key = keyOf(cdnPath);
	return key ? `/img/width=${width},format=auto/${key}` : (cdnPath ?? undefined);
}

export function imgSrcSet(cdnPath: string | null | undefined): string | undefined {
	const key = keyOf(cdnPath);
	return key ? WIDTHS.map((w) => `/img/width=${w},format=auto/${key} ${w}w`).join(", ") : undefined;
}
