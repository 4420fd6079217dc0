// Reads a Workers static assets `_headers` file the way the platform applies it
// (developers.cloudflare.com/workers/static-assets/headers/): every rule whose
// pattern matches the path applies, in file order; a header set again is joined
// to the earlier value with a comma; `! Name` detaches what earlier rules set.
// Used by the build test to prove each page gets one CSP, not two joined.

interface Rule {
	pattern: RegExp;
	detach: string[];
	set: [string, string][];
}

const patternOf = (p: string) =>
	new RegExp(
		`^${p
			.replace(/[.+?^${}()|[\]\\]/g, "\\$&")
			.replace(/\*/g, ".*")
			.replace(/:[A-Za-z]\w*/g, "[^/]+")}$`,
	);

export function parseHeaders(text: string): Rule[] {
	const rules: Rule[] = [];
	for (const line of text.split("\n")) {
		if (!line.trim() || line.trim().startsWith("#")) continue;
		if (!/^\s/.test(line)) {
			rules.push({ pattern: patternOf(line.trim()), detach: [], set: [] });
			continue;
		}
		const rule = rules.at(-1);
		if (!rule) throw new Error(`a header line before any rule: ${line}`);
		const t = line.trim();
		if (t.startsWith("!")) rule.detach.push(t.slice(1).trim().toLowerCase());
		else rule.set.push([t.slice(0, t.indexOf(":")).trim().toLowerCase(), t.slice(t.indexOf(":") + 1).trim()]);
	}
	return rules;
}

/** The headers `_headers` gives `path`, by lower-case name. */
export function headersFor(text: string, path: string): Map<string, string> {
	const out = new Map<string, string>();
	for (const rule of parseHeaders(text)) {
		if (!rule.pattern.test(path)) continue;
		for (const name of rule.detach) out.delete(name);
		for (const [name, value] of rule.set) out.set(name, out.has(name) ? `${out.get(name)}, ${value}` : value);
	}
	return out;
}
