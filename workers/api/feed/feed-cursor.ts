// The feed's cursor: where each of its two streams stopped. Base64url JSON,
// strictly decoded: a forged cursor is a 400, never SQL.
import { z } from "@hono/zod-openapi";
import { fromBase64url, toBase64url } from "../../lib/encoding/base64url";
import { HttpProblem } from "../../lib/problems/http-problem";

const FeedCursorSchema = z.strictObject({
	/** Trending epoch being paged through. */
	e: z.number().int().nonnegative(),
	/** Last trending rank served (0: none yet); null once trending is exhausted. */
	t: z.number().int().nonnegative().nullable(),
	/** Last followed reel id served (undefined: none yet); null once exhausted. */
	f: z.uuid().nullable().optional(),
});
export type FeedCursor = z.infer<typeof FeedCursorSchema>;

export const encodeFeedCursor = (c: FeedCursor) => toBase64url(new TextEncoder().encode(JSON.stringify(c)));

export function decodeFeedCursor(raw: string): FeedCursor {
	try {
		return FeedCursorSchema.parse(JSON.parse(new TextDecoder().decode(fromBase64url(raw))));
	} catch {
		throw new HttpProblem(400, "invalid_cursor", "The cursor is not one this API issued.");
	}
}
