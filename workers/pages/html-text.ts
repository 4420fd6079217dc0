// Text placed into HTML the Worker writes (link previews, the embed page): a caption is anyone's
// input, so every value goes through here before it meets markup.

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** `text` safe inside an element or a double- or single-quoted attribute. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);

/** A caption as a one-line title: whitespace folded, at most `max` characters (an ellipsis marks the cut). */
export function titleOf(caption: string, fallback: string, max = 100): string {
	const line = caption.replace(/\s+/g, " ").trim();
	if (!line) return fallback;
	return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}
