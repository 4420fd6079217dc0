// Cursors for lists ordered by a UUIDv7 id alone (time-ordered): the last id
// seen, base64url. Strictly decoded, so a forged cursor is a 400, not SQL.
import { z } from "@hono/zod-openapi";
import { fromBase64url, toBase64url } from "../encoding/base64url";
import { HttpProblem } from "../problems/http-problem";

export const encodeIdCursor = (id: string) => toBase64url(new TextEncoder().encode(id));

export function decodeIdCursor(raw: string): string {
	try {
		return z.uuid().parse(new TextDecoder().decode(fromBase64url(raw)));
	} catch {
		throw new HttpProblem(400, "invalid_cursor", "The cursor is not one this API issued.");
	}
}
