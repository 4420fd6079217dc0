// The feed's cursor: where each of its two streams stopped, through the one
// cursor codec (a forged cursor is a 400, never SQL). Numbers are bounded to
// what the columns hold (int4), so a cursor can never overflow a query.
import { z } from "@hono/zod-openapi";
import { cursorCodec } from "../../lib/pagination/cursor-codec";

const INT4_MAX = 2_147_483_647;

const FeedCursorSchema = z.strictObject({
	/** Trending epoch being paged through. */
	e: z.number().int().nonnegative().max(INT4_MAX),
	/** Last trending rank served (0: none yet); null once trending is exhausted. */
	t: z.number().int().nonnegative().max(INT4_MAX).nullable(),
	/** Last followed reel id served (undefined: none yet); null once exhausted. */
	f: z.uuid().nullable().optional(),
});
export type FeedCursor = z.infer<typeof FeedCursorSchema>;

export const feedCursor = cursorCodec(FeedCursorSchema);
