// U+0000 (NUL) is the one character Postgres text cannot hold: a NUL that
// reached a query was a 500 (`invalid byte sequence for encoding "UTF8": 0x00`).
// It never means anything in a caption, a name or a search, so it is refused
// at the door as a validation problem, for every field at once, before any
// handler or schema sees the input: a field added later is covered too.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app/app-env";
import { validationFailed } from "../problems/http-problem";

const MESSAGE = "must not contain the NUL character (U+0000)";

/** Dotted paths of every string (or object key) under `value` that holds a NUL. */
export function nulPaths(value: unknown, path = ""): string[] {
	if (typeof value === "string") return value.includes("\0") ? [path] : [];
	if (Array.isArray(value)) return value.flatMap((v, i) => nulPaths(v, path ? `${path}.${i}` : String(i)));
	if (value && typeof value === "object") {
		return Object.entries(value).flatMap(([k, v]) => {
			const at = path ? `${path}.${k}` : k;
			return k.includes("\0") ? [at, ...nulPaths(v, at)] : nulPaths(v, at);
		});
	}
	return [];
}

const refuse = (paths: string[]) => validationFailed(paths.map((path) => ({ path, message: MESSAGE })));

/** Throws the 400 problem when any of `fields` (name → text) holds a NUL. */
export function assertNoNul(fields: Record<string, string | undefined>): void {
	const paths = Object.entries(fields)
		.filter(([, v]) => v?.includes("\0"))
		.map(([k]) => k);
	if (paths.length) throw refuse(paths);
}

/** Path segments and query values: `%00` is the only way a URL can carry a NUL. */
export const refuseNulInUrl = (): MiddlewareHandler<AppEnv> => async (c, next) => {
	if (/%00/i.test(c.req.url)) {
		const url = new URL(c.req.url);
		const paths = /%00/i.test(url.pathname) ? ["path"] : [];
		for (const [k, v] of url.searchParams) if (k.includes("\0") || v.includes("\0")) paths.push(`query.${k.replaceAll("\0", "")}`);
		throw refuse(paths.length ? paths : ["query"]);
	}
	await next();
};

/**
 * JSON bodies: parsed once here (hono caches the text, so the route's own
 * validator does not read the body again). Malformed JSON is left to that
 * validator, which answers it with its own 400.
 */
export const refuseNulInJson = (): MiddlewareHandler<AppEnv> => async (c, next) => {
	const text = await c.req.text();
	if (text.includes("\\u0000") || text.includes("\0")) {
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			parsed = undefined;
		}
		const paths = nulPaths(parsed);
		if (paths.length) throw refuse(paths);
	}
	await next();
};
