// Inline SVG icons (no icon font, no emoji font needed), decorative: the
// buttons around them carry the accessible names.
const PATHS = {
	heart:
		"M12 21s-7.5-4.6-9.6-9.2C.9 8.4 3 4.5 6.6 4.5c2.1 0 3.6 1.2 5.4 3.2 1.8-2 3.3-3.2 5.4-3.2 3.6 0 5.7 3.9 4.2 7.3C19.5 16.4 12 21 12 21z",
	comment: "M4 4h16v11H8l-4 4V4z",
	share: "M14 4l6 6-6 6v-4c-5 0-8 1.5-10 5 1-5 4-9 10-10V4z",
	flag: "M5 21V4h11l-1.5 4L16 12H7v9H5z",
	bell: "M12 22a2.5 2.5 0 002.5-2.5h-5A2.5 2.5 0 0012 22zm7-6V11a7 7 0 00-5.5-6.8V3a1.5 1.5 0 00-3 0v1.2A7 7 0 005 11v5l-2 2v1h18v-1l-2-2z",
	search: "M10 3a7 7 0 015.6 11.2l5.1 5.1-1.4 1.4-5.1-5.1A7 7 0 1110 3zm0 2a5 5 0 100 10 5 5 0 000-10z",
	mute: "M3 9v6h4l5 5V4L7 9H3zm13.6 3l2.7-2.7-1.4-1.4-2.7 2.7-2.7-2.7-1.4 1.4 2.7 2.7-2.7 2.7 1.4 1.4 2.7-2.7 2.7 2.7 1.4-1.4-2.7-2.7z",
	sound: "M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0014 8v8a4.5 4.5 0 002.5-4zM14 3.2v2.1a7 7 0 010 13.4v2.1a9 9 0 000-17.6z",
	home: "M12 3l9 8h-3v9h-5v-6h-2v6H6v-9H3l9-8z",
	plus: "M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6V5z",
	live: "M12 9a3 3 0 110 6 3 3 0 010-6zM6.3 6.3l1.4 1.4a6 6 0 000 8.6l-1.4 1.4a8 8 0 010-11.4zm11.4 0a8 8 0 010 11.4l-1.4-1.4a6 6 0 000-8.6l1.4-1.4z",
	user: "M12 12a4.5 4.5 0 100-9 4.5 4.5 0 000 9zm0 2c-4.4 0-8 2.2-8 5v2h16v-2c0-2.8-3.6-5-8-5z",
	film: "M4 4h16v16H4V4zm2 2v2h2V6H6zm0 4v4h2v-4H6zm0 6v2h2v-2H6zm10-10v2h2V6h-2zm0 4v4h2v-4h-2zm0 6v2h2v-2h-2zM10 6v12h4V6h-4z",
	up: "M12 6l7 7-1.4 1.4L12 8.8l-5.6 5.6L5 13l7-7z",
	down: "M12 18l-7-7 1.4-1.4 5.6 5.6 5.6-5.6L19 11l-7 7z",
	play: "M8 5v14l11-7L8 5z",
	captions:
		"M4 5h16a2 2 0 012 2v10a2 2 0 01-2 2H4a2 2 0 01-2-2V7a2 2 0 012-2zm3.5 4A2.5 2.5 0 005 11.5v1A2.5 2.5 0 007.5 15H10v-1.5H7.5a1 1 0 01-1-1v-1a1 1 0 011-1H10V9H7.5zm7 0a2.5 2.5 0 00-2.5 2.5v1a2.5 2.5 0 002.5 2.5H17v-1.5h-2.5a1 1 0 01-1-1v-1a1 1 0 011-1H17V9h-2.5z",
} as const;

/** Icons with holes drawn as inner paths of the same direction (the letters in "captions"). */
const EVEN_ODD: ReadonlySet<string> = new Set(["captions"]);

export function Icon({ name, filled = true, size = 28 }: { name: keyof typeof PATHS; filled?: boolean; size?: number }) {
	return (
		<svg viewBox="0 0 24 24" width={size} height={size} aria-hidden="true" focusable="false" class="drop-shadow">
			<path
				d={PATHS[name]}
				fill={filled ? "currentColor" : "none"}
				fill-rule={EVEN_ODD.has(name) ? "evenodd" : undefined}
				stroke="currentColor"
				stroke-width={filled ? 0 : 1.8}
			/>
		</svg>
	);
}
