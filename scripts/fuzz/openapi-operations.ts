// The operations /openapi.json declares, and for each one an arbitrary HTTP
// request: path and query parameters, a body in a right or wrong content type,
// and an Authorization header that is valid, someone else's, or garbage.
import fc from "fast-check";
import { anyJson, hostileString } from "./hostile-values.ts";
import { type FuzzContext, fromSchema, type JsonSchema } from "./schema-arbitrary.ts";

interface Parameter {
	name: string;
	in: "path" | "query" | "header" | "cookie";
	required?: boolean;
	schema?: JsonSchema;
}

export interface Operation {
	method: string;
	path: string;
	parameters: Parameter[];
	bodyTypes: Record<string, JsonSchema>;
	statuses: Set<number>;
	signedIn: boolean;
}

export interface FuzzRequest {
	method: string;
	path: string;
	headers: Record<string, string>;
	body?: string;
}

type OpenApiDoc = { paths: Record<string, Record<string, Record<string, unknown>>>; components?: { schemas?: Record<string, JsonSchema> } };

export function operationsOf(doc: OpenApiDoc): Operation[] {
	return Object.entries(doc.paths).flatMap(([path, methods]) =>
		Object.entries(methods).map(([method, op]) => {
			const body = (op.requestBody as { content?: Record<string, { schema?: JsonSchema }> } | undefined)?.content ?? {};
			return {
				method: method.toUpperCase(),
				path,
				parameters: (op.parameters as Parameter[] | undefined) ?? [],
				bodyTypes: Object.fromEntries(Object.entries(body).map(([type, c]) => [type, c.schema ?? {}])),
				statuses: new Set(Object.keys(op.responses as object).map(Number)),
				signedIn: Array.isArray(op.security) && op.security.length > 0,
			};
		}),
	);
}

export interface Identities {
	/** Access tokens of signed-in fuzz users. */
	tokens: string[];
}

/** Valid, someone else's, malformed, wrong scheme, lowercase scheme, or none. */
export const authorization = (ids: Identities, { realTokens = true } = {}): fc.Arbitrary<string | undefined> =>
	fc.oneof(
		// Mostly none or a valid one, so most requests get past authentication to the handler.
		{ weight: 4, arbitrary: fc.constant(undefined) },
		...(realTokens
			? [
					{ weight: 4, arbitrary: fc.constantFrom(...ids.tokens.map((t) => `Bearer ${t}`)) },
					{ weight: 1, arbitrary: fc.constantFrom(...ids.tokens.map((t) => `bearer ${t}`)) },
				]
			: []),
		{
			weight: 1,
			arbitrary: fc.constantFrom(
				"Bearer",
				"Bearer ",
				"Bearer a.b.c",
				"Basic dXNlcjpwYXNz",
				"garbage",
				"Bearer eyJhbGciOiJub25lIn0.e30.",
				"Bearer \u00e9",
			),
		},
		{ weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((s) => `Bearer ${s.replace(/[^\x20-\x7e]/g, "")}`) },
	);

/** encodeURIComponent for any string: a lone surrogate (not encodable as UTF-8) becomes U+FFFD first, as a browser would send it. */
export const encode = (s: string) => encodeURIComponent(s.toWellFormed());

const pathSegment = (p: Parameter, ctx: FuzzContext): fc.Arbitrary<string> =>
	fc.oneof(
		{ weight: 5, arbitrary: fromSchema(p.schema ?? {}, ctx, 0).map((v) => encode(String(v) || "x")) },
		// Never empty: an empty segment is a different route (a 404 route_not_found), not this operation.
		{
			weight: 2,
			arbitrary: hostileString(3_000)
				.filter((s) => s.length > 0)
				.map(encode),
		},
		// Raw, as an attacker types them: dot segments, encoded slashes and NULs.
		{ weight: 1, arbitrary: fc.constantFrom("%2e%2e", "..", "%2E%2E%2F", "a%2Fb", "%00", "%ff", "%", "x%20y") },
	);

const queryValue = (p: Parameter, ctx: FuzzContext): fc.Arbitrary<string> =>
	fc.oneof(
		{ weight: 5, arbitrary: fromSchema(p.schema ?? {}, ctx, 0).map(String) },
		{ weight: 3, arbitrary: hostileString(12_000) },
		{ weight: 1, arbitrary: fc.constantFrom("0x10", "1e2", " 5", "-1", "0", "101", "99999999999999999999", "1.5") },
	);

const JSON_TYPES = ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON"];
const WRONG_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", ""];

function body(op: Operation, ctx: FuzzContext): fc.Arbitrary<{ type?: string; text?: string }> {
	const jsonSchema = op.bodyTypes["application/json"];
	const choices: fc.Arbitrary<{ type?: string; text?: string }>[] = [
		fc.record({ type: fc.constantFrom(...WRONG_TYPES), text: fc.string({ maxLength: 200 }) }),
		fc.record({
			type: fc.constantFrom(...JSON_TYPES),
			text: fc.constantFrom("{", "[]", "null", '{"a":', "\u0000", '"x"', "1e999", '{"__proto__":{"x":1}}'),
		}),
		fc.record({ type: fc.constantFrom(...JSON_TYPES), text: anyJson.map((v) => JSON.stringify(v)) }),
		fc.constant({}),
	];
	if (jsonSchema) {
		const valid = fc.record({
			type: fc.constantFrom(...JSON_TYPES),
			text: fromSchema(jsonSchema, ctx, 0.25).map((v) => JSON.stringify(v) ?? "null"),
		});
		return fc.oneof({ weight: 6, arbitrary: valid }, ...choices.map((arbitrary) => ({ weight: 1, arbitrary })));
	}
	const other = Object.keys(op.bodyTypes)[0];
	if (other) choices.push(fc.record({ type: fc.constant(other), text: fc.string({ unit: "binary", maxLength: 500 }) }));
	return fc.oneof(...choices);
}

/** One arbitrary request to `op`. */
export function requestFor(op: Operation, ctx: FuzzContext, ids: Identities): fc.Arbitrary<FuzzRequest> {
	const pathParams = op.parameters.filter((p) => p.in === "path");
	const queryParams = op.parameters.filter((p) => p.in === "query");
	// Logging out with a shared token would sign every later run out.
	const realTokens = op.path !== "/api/auth/logout";
	return fc
		.record({
			segments: fc.tuple(...pathParams.map((p) => pathSegment(p, ctx))),
			query: fc.tuple(...queryParams.map((p) => fc.option(queryValue(p, ctx), { nil: undefined }))),
			extraQuery: fc.option(fc.tuple(hostileString(100), hostileString(100)), { nil: undefined }),
			auth: authorization(ids, { realTokens }),
			body: op.method === "GET" || op.method === "HEAD" ? fc.constant<{ type?: string; text?: string }>({}) : body(op, ctx),
		})
		.map(({ segments, query, extraQuery, auth, body }) => {
			let path = op.path;
			pathParams.forEach((p, i) => {
				path = path.replace(`{${p.name}}`, segments[i] ?? "");
			});
			const search = new URLSearchParams();
			queryParams.forEach((p, i) => {
				if (query[i] !== undefined) search.append(p.name, query[i]);
			});
			if (extraQuery) search.append(...extraQuery);
			const qs = search.toString();
			const headers: Record<string, string> = {};
			if (auth !== undefined) headers.authorization = auth;
			if (body.type) headers["content-type"] = body.type;
			if (op.path.startsWith("/api/uploads/tus")) headers["tus-resumable"] = "1.0.0";
			return { method: op.method, path: qs ? `${path}?${qs}` : path, headers, ...(body.text !== undefined ? { body: body.text } : {}) };
		});
}
