import { logger } from "../lib/observability/logger";
import { consumeDeadLetters } from "./dead-letter-consumer";
import { consumeTranscodeJobs } from "./transcode-consumer";

/** The Worker's `queue()` entry: one consumer per queue name (wrangler.toml [[queues.consumers]]). */
export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	if (batch.queue === "transcode-jobs") return consumeTranscodeJobs(batch, env);
	if (batch.queue === "transcode-jobs-dlq") return consumeDeadLetters(batch, env);
	// An unknown queue bound to this Worker is a deploy mistake: retry so nothing is dropped while it is fixed.
	logger.error("queue_without_consumer", { queue: batch.queue, messages: batch.messages.length });
	batch.retryAll({ delaySeconds: 60 });
}
