import { eq } from "drizzle-orm";
import { mediaDb } from "../lib/media-db/media-db";
import { assets } from "../lib/media-db/schema";
import { logger } from "../lib/observability/logger";
import { failureReason, finishFailed } from "../transcoder/transcode-outcome";
import { transcoderClient } from "../transcoder/transcoder-client";
import { TranscodeJobSchema } from "./messages";

/**
 * `queue()` for transcode-jobs-dlq: jobs whose retries ran out, and bodies
 * that were never jobs. The job is removed from the transcoder (FFmpeg killed,
 * disk freed), the asset is marked failed and its owner told why;
 * every message is logged whole before it is acknowledged, so nothing vanishes silently.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	const db = mediaDb(env);
	for (const message of batch.messages) {
		const job = TranscodeJobSchema.safeParse(message.body);
		logger.error("transcode_dead_letter", { messageId: message.id, attempts: message.attempts, body: message.body });
		if (job.success) {
			// The job may still be running (a poll that kept timing out): stop FFmpeg and free its slot and disk.
			await transcoderClient(env, job.data.assetId)
				.remove()
				.catch((err: Error) => logger.warn("dead_letter_job_removal_failed", { assetId: job.data.assetId, error: err.message }));
			try {
				const asset = await db.query.assets.findFirst({ where: eq(assets.id, job.data.assetId), columns: { id: true, ownerId: true } });
				if (asset) await finishFailed(env, db, asset, "transcode_retries_exhausted", failureReason("transcode_retries_exhausted"));
			} catch (err) {
				message.retry({ delaySeconds: 30 });
				logger.warn("dead_letter_retry", { messageId: message.id, error: (err as Error).message });
				continue;
			}
		}
		message.ack();
	}
}
