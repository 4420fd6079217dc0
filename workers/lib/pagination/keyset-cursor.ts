// Opaque keyset cursors: base64url JSON of the last row's sort key. Decoding is
// strict (zod), so a forged or truncated cursor is a 400, never a SQL error.
import { z } from "@hono/zod-openapi";
import { fromBase64url, toBase64url } from "../encoding/base64url";
import { HttpProblem } from "../problems/http-problem";

const CursorSchema = z.strictObject({ t: z.iso.datetime({ offset: true }), i: z.uuid() });
export type Cursor = { createdAt: Date; id: string };

export function encodeCursor(c: Cursor): string {
	const json = JSON.stringify({ t: c.createdAt.toISOString(), i: c.id });
	return toBase64url(new TextEncoder().encode(json));
}

export function decodeCursor(raw: string): Cursor {
	try {
		const json = new TextDecoder().decode(fromBase64url(raw));
		const parsed = CursorSchema.parse(JSON.parse(json));
		return { createdAt: new Date(parsed.t), id: parsed.i };
	} catch {
		throw new HttpProblem(400, "invalid_cursor", "The cursor is not one this API issued.");
	}
}

export const PageQuerySchema = z.object({
	cursor: z.string().max(200).optional().openapi({ description: "`nextCursor` from the previous page" }),
	limit: z.coerce.number().int().min(1).max(100).default(20),
});
