import { consumePurgeJobs } from "../cdn/purge/edge-purge";
import { logger } from "../lib/observability/logger";
import { consumeWebhookDeliveries } from "../webhooks/deliver-webhooks";
import { consumeAccountDeadLetters } from "./account-dead-letters";
import { consumeAccountJobs } from "./account-jobs-consumer";
import { consumeDeadLetters } from "./dead-letter-consumer";
import { consumeMail } from "./mail-consumer";
import { consumeMailDeadLetters } from "./mail-dead-letters";
import { consumeTranscodeJobs } from "./transcode-consumer";

type Consumer = "transcode" | "dead_letters" | "purges" | "webhooks" | "mail" | "mail_dead_letters" | "account" | "account_dead_letters";

/**
 * Which consumer a queue gets, by its name: its base name plus an optional environment suffix
 * (`transcode-jobs-staging`), and `-dlq` at the very end for its dead-letter queue:
 * `transcode-jobs`, `cache-purges` (deferred edge purges), `webhook-deliveries`, `mail-outbox`,
 * `account-jobs` (an account's own long jobs: erasure, export). Only transcode-jobs, mail-outbox
 * and account-jobs have dead-letter queues (wrangler.toml [[queues.consumers]] in every environment).
 */
export function consumerOf(queue: string): Consumer | undefined {
	const dead = queue.endsWith("-dlq");
	const name = dead ? queue.slice(0, -"-dlq".length) : queue;
	const is = (base: string) => new RegExp(`^${base}(-[a-z0-9]+)*$`).test(name);
	if (is("transcode-jobs")) return dead ? "dead_letters" : "transcode";
	if (is("mail-outbox")) return dead ? "mail_dead_letters" : "mail";
	if (is("account-jobs")) return dead ? "account_dead_letters" : "account";
	if (dead) return undefined;
	if (is("cache-purges")) return "purges";
	if (is("webhook-deliveries")) return "webhooks";
	return undefined;
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
	if (consumer === "mail_dead_letters") return consumeMailDeadLetters(batch);
	if (consumer === "account_dead_letters") return consumeAccountDeadLetters(batch, env);
	// An unknown queue bound to this Worker is a deploy mistake: retry so nothing is dropped while it is fixed.
	logger.error("queue_without_consumer", { queue: batch.queue, messages: batch.messages.length });
	batch.retryAll({ delaySeconds: 60 });
}
