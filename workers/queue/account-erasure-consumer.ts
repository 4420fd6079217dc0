// The `account-erasures` consumer: a deleted account's media, a batch per message
// (cdn/erase-account-media.ts). More left: the next batch goes out as a new message, so a large
// account is erased over several invocations, each within its limits. Every step is safe to run
// again, so a retried or duplicated message finishes the job rather than failing it.
import { z } from "zod";
import { eraseAccountMedia } from "../cdn/erase-account-media";
import { logger } from "../lib/observability/logger";

export const AccountErasureSchema = z.object({
	userId: z.uuid(),
	/** The DELETE request's URL: local cache entries are keyed by its origin. */
	requestUrl: z.url(),
});
export type AccountErasure = z.infer<typeof AccountErasureSchema>;

export async function consumeAccountErasures(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	for (const msg of batch.messages) {
		const parsed = AccountErasureSchema.safeParse(msg.body);
		if (!parsed.success) {
			logger.error("account_erasure_invalid", { messageId: msg.id });
			msg.ack();
			continue;
		}
		const { userId, requestUrl } = parsed.data;
		try {
			const { erased, more } = await eraseAccountMedia(env, userId, requestUrl);
			if (more) await env.ACCOUNT_ERASURES.send(parsed.data, { contentType: "json" });
			logger.info(more ? "account_erasure_batch" : "account_erased", { userId, erased });
			msg.ack();
		} catch (err) {
			logger.warn("account_erasure_retry", { userId, attempts: msg.attempts, error: (err as Error).message });
			msg.retry({ delaySeconds: Math.min(30 * 2 ** Math.max(0, msg.attempts - 1), 3600) });
		}
	}
}
