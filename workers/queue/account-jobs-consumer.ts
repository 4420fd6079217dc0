// The `account-jobs` consumer: an account's own long work, one job per message.
// - `erase_media`: a deleted account's media, a batch per message (cdn/erase-account-media.ts);
//   more left, the next batch goes out as a new message, so a large account is erased over several
//   invocations, each within its limits.
// - `export`: builds the account's data export (api/exports/build-export.ts).
// Every step is safe to run again, so a retried or duplicated message finishes the job rather than
// failing it.
import { z } from "zod";
import { buildExport } from "../api/exports/build-export";
import { eraseAccountMedia } from "../cdn/erase-account-media";
import { logger } from "../lib/observability/logger";

export const AccountJobSchema = z.discriminatedUnion("kind", [
	z.object({
		kind: z.literal("erase_media"),
		userId: z.uuid(),
		/** The DELETE request's URL: local cache entries are keyed by its origin. */
		requestUrl: z.url(),
	}),
	z.object({ kind: z.literal("export"), userId: z.uuid(), exportId: z.uuid() }),
]);
export type AccountJob = z.infer<typeof AccountJobSchema>;

/** Retries wait 30 s, doubling, at most an hour. */
const retryDelay = (attempts: number) => Math.min(30 * 2 ** Math.max(0, attempts - 1), 3600);

export async function consumeAccountJobs(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	for (const msg of batch.messages) {
		const parsed = AccountJobSchema.safeParse(msg.body);
		if (!parsed.success) {
			logger.error("account_job_invalid", { messageId: msg.id });
			msg.ack();
			continue;
		}
		const job = parsed.data;
		try {
			if (job.kind === "erase_media") {
				const { erased, more } = await eraseAccountMedia(env, job.userId, job.requestUrl);
				if (more) await env.ACCOUNT_JOBS.send(job, { contentType: "json" });
				logger.info(more ? "account_erasure_batch" : "account_erased", { userId: job.userId, erased });
			} else {
				await buildExport(env, job.userId, job.exportId, { lastAttempt: msg.attempts >= MAX_EXPORT_ATTEMPTS });
			}
			msg.ack();
		} catch (err) {
			logger.warn("account_job_retry", { kind: job.kind, userId: job.userId, attempts: msg.attempts, error: (err as Error).message });
			msg.retry({ delaySeconds: retryDelay(msg.attempts) });
		}
	}
}

/** An export that failed this many times is marked failed (its owner may ask again); wrangler.toml allows more tries for erasures. */
export const MAX_EXPORT_ATTEMPTS = 5;
