import { and, eq, notInArray, sql } from "drizzle-orm";
import { mediaDb } from "../lib/media-db/media-db";
import { assets } from "../lib/media-db/schema";
import { logger } from "../lib/observability/logger";
import { TranscodeJobSchema } from "./messages";

/**
 * `queue()` for transcode-jobs-dlq: jobs whose retries ran out, and bodies
 * that were never jobs. The asset is marked failed so its owner sees why;
 * every message is logged whole before it is acknowledged, so nothing vanishes silently.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	const db = mediaDb(env);
	for (const message of batch.messages) {
		const job = TranscodeJobSchema.safeParse(message.body);
		logger.error("transcode_dead_letter", { messageId: message.id, attempts: message.attempts, body: message.body });
		if (job.success) {
			try {
				await db
					.update(assets)
					.set({ status: "failed", error: "transcode_retries_exhausted", updatedAt: sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')` })
					.where(and(eq(assets.id, job.data.assetId), notInArray(assets.status, ["ready", "failed"])));
			} catch (err) {
				message.retry({ delaySeconds: 30 });
				logger.warn("dead_letter_retry", { messageId: message.id, error: (err as Error).message });
				continue;
			}
		}
		message.ack();
	}
}
