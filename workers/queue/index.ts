import { consumePurgeJobs } from "../cdn/purge/edge-purge";
import { logger } from "../lib/observability/logger";
import { consumeWebhookDeliveries } from "../webhooks/deliver-webhooks";
import { consumeAccountJobs } from "./account-jobs-consumer";
import { consumeDeadLetters } from "./dead-letter-consumer";
import { consumeMail } from "./mail-consumer";
import { consumeTranscodeJobs } from "./transcode-consumer";

/**
 * Which consumer a queue gets, by its name: `transcode-jobs` plus an optional
 * environment suffix (`transcode-jobs-staging`), and `-dlq` at the end for its
 * dead-letter queue; `cache-purges` (with the same suffixes) for deferred edge purges, `webhook-deliveries` for webhooks, `mail-outbox` for mail, `account-jobs` for an account's own long jobs (erasure, export) (wrangler.toml [[queues.consumers]] in every environment).
 */
export function consumerOf(queue: string): "transcode" | "dead_letters" | "purges" | "webhooks" | "mail" | "account" | undefined {
	if (/^cache-purges(-[a-z0-9]+)*$/.test(queue)) return "purges";
	if (/^webhook-deliveries(-[a-z0-9]+)*$/.test(queue)) return "webhooks";
	if (/^mail-outbox(-[a-z0-9]+)*$/.test(queue)) return "mail";
	if (/^account-jobs(-[a-z0-9]+)*$/.test(queue)) return "account";
	if (!/^transcode-jobs(-[a-z0-9]+)*$/.test(queue)) return undefined;
	return queue.endsWith("-dlq") ? "dead_letters" : "transcode";
}

/** The Worker's `queue()` entry: one consumer per queue (see consumerOf). */
export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	const consumer = consumerOf(batch.queue);
	if (consumer === "transcode") return consumeTranscodeJobs(batch, env);
	if (consumer === "dead_letters") return consumeDeadLetters(batch, env);
	if (consumer === "purges") return consumePurgeJobs(batch, env);
	if (consumer === "webhooks") return consumeWebhookDeliveries(batch, env);
	if (consumer === "mail") return consumeMail(batch, env);
	if (consumer === "account") return consumeAccountJobs(batch, env);
	// An unknown queue bound to this Worker is a deploy mistake: retry so nothing is dropped while it is fixed.
	logger.error("queue_without_consumer", { queue: batch.queue, messages: batch.messages.length });
	batch.retryAll({ delaySeconds: 60 });
}
