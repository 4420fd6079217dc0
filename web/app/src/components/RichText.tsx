// A caption or comment with its @mentions linked to profiles and its #hashtags to search, the
// rest as plain text (never HTML: what people type is not markup).
import type { ComponentChildren } from "preact";
import { profilePath } from "../lib/api";

// The server's rules (workers/api/reels/mentions.ts, reel-schemas.ts hashtagsOf): a mention or tag starts a word.
const TOKEN = /(^|[^\p{L}\p{N}_.@&])([@#])([\p{L}\p{N}_.]{1,50})/gu;

export function RichText({ text }: { text: string }) {
	const parts: ComponentChildren[] = [];
	let last = 0;
	for (const m of text.matchAll(TOKEN)) {
		const [, before = "", sigil, raw = ""] = m;
		const word = sigil === "@" ? raw.replace(/\.+$/, "") : raw.replace(/[.]+$/, "");
		const valid = sigil === "@" ? /^[a-z0-9_.]{3,24}$/i.test(word) : /^\p{L}[\p{L}\p{N}_]{0,49}$/u.test(word);
		if (!valid) continue;
		const start = (m.index ?? 0) + before.length;
		parts.push(text.slice(last, start));
		parts.push(
			<a
				key={start}
				class="font-semibold text-sky-300"
				href={sigil === "@" ? profilePath({ handle: word.toLowerCase() }) : `/search?q=${encodeURIComponent(`#${word}`)}`}
			>
				{sigil}
				{word}
			</a>,
		);
		last = start + 1 + word.length;
	}
	parts.push(text.slice(last));
	return <>{parts}</>;
}
