// A caption as a page's title (link previews, the embed page); escaping is lib/encoding/escape-html.ts.

/** A caption as a one-line title: whitespace folded, at most `max` characters (an ellipsis marks the cut). */
export function titleOf(caption: string, fallback: string, max = 100): string {
	const line = caption.replace(/\s+/g, " ").trim();
	if (!line) return fallback;
	return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}
