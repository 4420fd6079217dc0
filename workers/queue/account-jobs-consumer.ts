// The `account-jobs` consumer: an account's own long work, one job per message.
// - `erase_media`: a deleted account's media, a batch per message (cdn/takedown/erase-account-media.ts);
//   more left, the next batch goes out as a new message, so a large account is erased over several
//   invocations, each within its limits.
// - `export`: builds the account's data export (api/exports/build-export.ts).
// Every step is safe to run again, so a retried or duplicated message finishes the job rather than
// failing it.
import { sql } from "drizzle-orm";
import { z } from "zod";
import { buildExport } from "../api/exports/build-export";
import { eraseAccountMedia } from "../cdn/takedown/erase-account-media";
import { doublingDelay } from "../lib/async/doubling-delay";
import { logger } from "../lib/observability/logger";
import { withDatabase } from "../lib/postgres/routed-database";

export const AccountJobSchema = z.discriminatedUnion("kind", [
	z.object({
		kind: z.literal("erase_media"),
		userId: z.uuid(),
		/** The DELETE request's URL: local cache entries are keyed by its origin. */
		requestUrl: z.url(),
		/** The pass sent a while after the rest, for what landed late (an upload mid-flight, a live recording closing). */
		final: z.boolean().optional(),
	}),
	z.object({ kind: z.literal("export"), userId: z.uuid(), exportId: z.uuid() }),
]);
export type AccountJob = z.infer<typeof AccountJobSchema>;

/** Tries while the account's rows are still there (5 s, 10 s, … apart: about four minutes) before concluding its deletion failed. */
const ERASE_WHILE_EXISTS_ATTEMPTS = 10;
/** The final pass waits out the longest an upload or a live recording may still land: an access token's life. */
const FINAL_PASS_AFTER_S = 15 * 60;

async function accountExists(env: Env, userId: string): Promise<boolean> {
	return withDatabase(env, async (db) => {
		const { rows } = await db.readFromPrimary((q) => q.execute(sql`SELECT 1 FROM users WHERE id = ${userId}::uuid`));
		return rows.length > 0;
	});
}

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
				// Queued before the account's rows went (account-deletion.ts): while they are still there,
				// the deletion is either in flight or failed, and nothing is erased yet.
				if (await accountExists(env, job.userId)) {
					if (msg.attempts >= ERASE_WHILE_EXISTS_ATTEMPTS) {
						logger.error("account_erasure_abandoned", { userId: job.userId, reason: "the account still exists" });
						msg.ack();
					} else msg.retry({ delaySeconds: Math.min(60, 5 * msg.attempts) });
					continue;
				}
				const { erased, more } = await eraseAccountMedia(env, job.userId, job.requestUrl);
				if (more) await env.ACCOUNT_JOBS.send(job, { contentType: "json" });
				else if (!job.final)
					await env.ACCOUNT_JOBS.send({ ...job, final: true }, { contentType: "json", delaySeconds: FINAL_PASS_AFTER_S });
				logger.info(more ? "account_erasure_batch" : "account_erased", { userId: job.userId, erased, final: job.final ?? false });
			} else {
				await buildExport(env, job.userId, job.exportId, { lastAttempt: msg.attempts >= MAX_EXPORT_ATTEMPTS });
			}
			msg.ack();
		} catch (err) {
			logger.warn("account_job_retry", { kind: job.kind, userId: job.userId, attempts: msg.attempts, error: (err as Error).message });
			msg.retry({ delaySeconds: doublingDelay(msg.attempts, 30, 3600) });
		}
	}
}

/** An export that failed this many times is marked failed (its owner may ask again); wrangler.toml allows more tries for erasures. */
export const MAX_EXPORT_ATTEMPTS = 5;
