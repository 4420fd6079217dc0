// Values for a JSON Schema (the subset OpenAPI 3.1 documents here use), each
// leaf sometimes swapped for a hostile value: mostly-valid input goes deeper
// into a handler than noise does, and the swapped leaf is what breaks it.
import fc from "fast-check";
import { boundaryNumber, hostileString, wrongType } from "./hostile-values.ts";

export type JsonSchema = {
	$ref?: string;
	type?: string | string[];
	properties?: Record<string, JsonSchema>;
	required?: string[];
	items?: JsonSchema;
	enum?: unknown[];
	const?: unknown;
	anyOf?: JsonSchema[];
	oneOf?: JsonSchema[];
	allOf?: JsonSchema[];
	format?: string;
	pattern?: string;
	minLength?: number;
	maxLength?: number;
	minimum?: number;
	maximum?: number;
	minItems?: number;
	maxItems?: number;
	default?: unknown;
	example?: unknown;
};

type Components = Record<string, JsonSchema>;

/** Ids that exist (other users', one's own) mixed in wherever a uuid goes. */
export interface FuzzContext {
	components: Components;
	knownIds: string[];
}

const resolveRef = (s: JsonSchema, ctx: FuzzContext): JsonSchema =>
	s.$ref ? resolveRef(ctx.components[s.$ref.replace("#/components/schemas/", "")] ?? {}, ctx) : s;

function validString(s: JsonSchema, ctx: FuzzContext): fc.Arbitrary<string> {
	if (s.format === "uuid") return fc.oneof(fc.constantFrom(...ctx.knownIds), fc.uuid());
	if (s.format === "email") return fc.emailAddress();
	if (s.format === "date-time") return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
	if (s.format === "uri") return fc.webUrl();
	if (typeof s.example === "string" && s.pattern) return fc.constant(s.example);
	return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 200) });
}

function validNumber(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
	const min = s.minimum ?? -1_000;
	const max = s.maximum ?? 1_000_000;
	return integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true });
}

/** A value that usually fits `schema`; `mutate` (0..1) is how often a leaf is replaced by a hostile one. */
export function fromSchema(schema: JsonSchema, ctx: FuzzContext, mutate = 0.2, depth = 0): fc.Arbitrary<unknown> {
	const s = resolveRef(schema, ctx);
	const hostile = s.type === "string" || s.format ? hostileString() : wrongType;
	const valid = validValue(s, ctx, mutate, depth);
	if (mutate <= 0) return valid;
	const w = Math.round(mutate * 100);
	return fc.oneof({ weight: 100 - w, arbitrary: valid }, { weight: w, arbitrary: hostile });
}

function validValue(s: JsonSchema, ctx: FuzzContext, mutate: number, depth: number): fc.Arbitrary<unknown> {
	if (s.const !== undefined) return fc.constant(s.const);
	if (s.enum) return fc.constantFrom(...s.enum);
	const union = s.anyOf ?? s.oneOf;
	if (union?.length) return fc.oneof(...union.map((u) => fromSchema(u, ctx, mutate, depth + 1)));
	if (s.allOf?.length) return fromSchema(s.allOf[0] as JsonSchema, ctx, mutate, depth + 1);
	const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
	switch (type) {
		case "string":
			return validString(s, ctx);
		case "integer":
			return validNumber(s, true);
		case "number":
			return validNumber(s, false);
		case "boolean":
			return fc.boolean();
		case "null":
			return fc.constant(null);
		case "array":
			return depth > 3
				? fc.constant([])
				: fc.array(fromSchema(s.items ?? {}, ctx, mutate, depth + 1), {
						minLength: s.minItems ?? 0,
						maxLength: Math.min(s.maxItems ?? 4, 6),
					});
		case "object": {
			if (depth > 3) return fc.constant({});
			const props = Object.entries(s.properties ?? {});
			const required = new Set(s.required ?? []);
			const shape = Object.fromEntries(props.map(([k, v]) => [k, fromSchema(v, ctx, mutate, depth + 1)]));
			const complete = fc.record(shape, { requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)) });
			// Sometimes required keys go missing too.
			return mutate > 0
				? fc.oneof({ weight: 9, arbitrary: complete }, { weight: 1, arbitrary: fc.record(shape, { requiredKeys: [] }) })
				: complete;
		}
		default:
			return fc.oneof(wrongType, boundaryNumber);
	}
}
