// A reel's webhook events (webhooks/webhook-events.ts), made inside the write's transaction: the
// reel as its author reads it from the API (media URLs signed unless it is public), read by that
// same transaction, so the event describes exactly what was committed (or, for a delete, what was
// there just before).
import { sql } from "drizzle-orm";
import type { Db } from "../../lib/postgres/routed-database";
import type { WebhookMessage } from "../../realtime/outbox";
import type { WebhookEventType } from "../../webhooks/webhook-events";
import { selectReels, toReel } from "./reel-cards";
import { withMediaUrls } from "./reel-media-access";

/** `occurrence` tells apart events that can happen to a reel more than once (hidden, restored, hidden again). */
export async function reelWebhook(
	env: Env,
	tx: Db,
	type: WebhookEventType,
	authorId: string,
	reelId: string,
	occurrence?: string,
): Promise<WebhookMessage> {
	const [row] = await selectReels(tx, { me: authorId, where: sql`r.id = ${reelId}`, orderBy: sql`r.id`, limit: 1 });
	const data = row ? await withMediaUrls(env, toReel(row)) : { id: reelId };
	return { webhook: { ownerId: authorId, type, subjectId: reelId, data, ...(occurrence ? { occurrence } : {}) } };
}
