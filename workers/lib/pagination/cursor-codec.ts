// Opaque keyset cursors: base64url JSON of where a list stopped, decoded
// strictly against a zod schema, so a forged, truncated or out-of-range cursor
// is a 400 invalid_cursor, never SQL and never a 500. Every list uses this one codec.
import { z } from "@hono/zod-openapi";
import { fromBase64url, toBase64url } from "../encoding/base64url";
import { HttpProblem } from "../problems/http-problem";

export interface CursorCodec<T> {
	encode(value: T): string;
	/** The value, or a 400 problem. */
	decode(raw: string): T;
}

export function cursorCodec<T>(schema: z.ZodType<T>): CursorCodec<T> {
	return {
		encode: (value) => toBase64url(new TextEncoder().encode(JSON.stringify(value))),
		decode(raw) {
			try {
				return schema.parse(JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(fromBase64url(raw))));
			} catch {
				throw new HttpProblem(400, "invalid_cursor", "The cursor is not one this API issued.");
			}
		},
	};
}

/** Lists ordered by a UUIDv7 id alone (time-ordered): the last id seen. */
export const idCursor = cursorCodec(z.uuid());

/**
 * Lists ordered by (timestamp, id): the last row's timestamp exactly as
 * Postgres keeps it (microseconds: a millisecond cut would skip rows made in
 * the same millisecond) and its id. Timestamps outside 1970..9999 are refused.
 */
export const timeIdCursor = cursorCodec(
	z.strictObject({
		t: z.iso.datetime({ offset: true }).refine((t) => Date.parse(t) >= 0 && Date.parse(t) < Date.UTC(10_000, 0), "out of range"),
		i: z.uuid(),
	}),
);

/** SQL for a timestamptz column as the exact text `timeIdCursor` carries (UTC, microseconds). */
export const CURSOR_TIME_FORMAT = `YYYY-MM-DD"T"HH24:MI:SS.US"Z"`;

/**
 * A `limit` query parameter: plain decimal digits only (no `0x10`, `1e2` or
 * spaces, which Number() would take), from 1 to `max`.
 */
export const limitParam = (max: number, fallback = 20) =>
	z
		.string()
		.regex(/^\d{1,4}$/, `limit is a whole number from 1 to ${max}`)
		.default(String(fallback))
		.transform(Number)
		.pipe(z.number().int().min(1, "limit is at least 1").max(max, `limit is at most ${max}`))
		.openapi({ type: "integer", minimum: 1, maximum: max, default: fallback });

export const PageQuerySchema = z.object({
	cursor: z.string().max(200).optional().openapi({ description: "`nextCursor` from the previous page" }),
	limit: limitParam(100),
});

/** The shape of every paged list: `{items, nextCursor}` (null on the last page), named `name` in OpenAPI. */
export const pageSchema = <T extends z.ZodType>(item: T, name: string) =>
	z
		.object({
			items: z.array(item),
			nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last" }),
		})
		.openapi(name);
