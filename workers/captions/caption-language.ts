// A caption track's language: a BCP-47 tag, checked and written the canonical way
// (`en-us` → `en-US`) by the runtime's own Intl, and named for people.
import { HttpProblem } from "../lib/problems/http-problem";

/** Long enough for any tag people use (`zh-Hant-TW`, `sr-Latn-RS`), short enough for a key. */
const LANG_MAX = 35;

/** The canonical tag, or a 400 naming what is wrong. */
export function captionLanguage(raw: string): string {
	let tag: string | undefined;
	try {
		tag = raw.length <= LANG_MAX ? Intl.getCanonicalLocales(raw)[0] : undefined;
	} catch {
		tag = undefined;
	}
	// Private-use and extension subtags (`-x-`, `-u-`) are refused: a caption's language names a language.
	if (!tag || !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag) || /-[xu]-|^x-/i.test(tag)) {
		throw new HttpProblem(400, "invalid_language", `"${raw.slice(0, LANG_MAX)}" is not a BCP-47 language tag such as en or pt-BR.`);
	}
	return tag;
}

const names = new Intl.DisplayNames(["en"], { type: "language", fallback: "code" });

/** A label a player shows: the creator's own, or the language's English name. */
export function captionLabel(lang: string, given?: string): string {
	const own = given?.replace(/[\p{Cc}"\\<>&]/gu, "").trim();
	return own || (names.of(lang) ?? lang);
}
