// What every answer must satisfy, whatever was sent: no 5xx (but a declared 501:
// a protocol's answer to a request it understands and does not serve, as oEmbed
// asks for a format it was not given), a status the
// OpenAPI document declares, problem+json for every /api error, and nothing of
// the server's insides (stack frames, SQL, file paths, driver errors) in the body.
const LEAKS: [string, RegExp][] = [
	["a stack frame", /\bat [\w$.<>]+ \(|\bat async\b|\.(ts|js|mjs):\d+:\d+/],
	// Unix paths only: a Windows-style `X:\` matched the JSON escape of a quote after echoed input (`"I:\"`).
	["a file path", /\/(work|home|root|usr|node_modules|tmp)\//],
	["SQL", /\b(SELECT .+ FROM|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b|syntax error at|violates \w+ constraint|relation "/i],
	["a driver error", /\b(ECONNREFUSED|ECONNRESET|TypeError|ReferenceError|RangeError|SyntaxError):/],
];

export interface Answer {
	status: number;
	contentType: string;
	body: string;
}

/** The broken properties (empty when the answer is fine). */
export function violations(path: string, declared: Set<number> | undefined, a: Answer): string[] {
	const found: string[] = [];
	if (a.status >= 500 && !(a.status === 501 && declared?.has(501))) found.push(`a ${a.status}`);
	if (declared && !declared.has(a.status)) found.push(`status ${a.status} is not declared (declared: ${[...declared].join(",")})`);
	if (path.startsWith("/api/") && a.status >= 400 && !a.contentType.startsWith("application/problem+json")) {
		found.push(`a ${a.status} as ${a.contentType || "no content type"}, not problem+json`);
	}
	for (const [what, pattern] of LEAKS) if (pattern.test(a.body)) found.push(`the body leaks ${what}: ${a.body.slice(0, 200)}`);
	return found;
}
