// `queue()` for account-jobs-dlq: an account's job whose tries ran out. A deleted account's media
// must go whatever happened (its bytes are blocked, not yet gone): the erasure is sent back to
// account-jobs for a fresh round of tries, half a day later, for as long as it takes, and logged at
// error level each time so an operator sees a takedown that keeps failing. An export that reaches
// here had already been marked failed on its last try (its owner may ask again): it is logged.
import { logger } from "../lib/observability/logger";
import { AccountJobSchema } from "./account-jobs-consumer";

/** The longest delay a queue message may have: 12 hours (developers.cloudflare.com/queues/configuration/batching-retries/). */
export const ERASURE_RETRY_AFTER_S = 12 * 60 * 60;

export async function consumeAccountDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	for (const msg of batch.messages) {
		const job = AccountJobSchema.safeParse(msg.body);
		// What the job was, not its whole body: an erasure's requestUrl is the client's URL, query string and all.
		logger.error("account_job_dead_letter", {
			messageId: msg.id,
			attempts: msg.attempts,
			...(job.success
				? { kind: job.data.kind, userId: job.data.userId, ...(job.data.kind === "export" ? { exportId: job.data.exportId } : {}) }
				: { invalid: true }),
		});
		if (job.success && job.data.kind === "erase_media") {
			try {
				await env.ACCOUNT_JOBS.send(job.data, { contentType: "json", delaySeconds: ERASURE_RETRY_AFTER_S });
			} catch (err) {
				// Not sent back: this message is retried instead, so the erasure is never dropped.
				logger.warn("account_erasure_requeue_failed", { userId: job.data.userId, error: (err as Error).message });
				msg.retry({ delaySeconds: 60 });
				continue;
			}
		}
		msg.ack();
	}
}
