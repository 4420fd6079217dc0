// The `mail-outbox` consumer: composes each mail (api/auth/account-mail.ts) and sends it through
// the configured transport (mail/transport.ts). A failed send is retried with a growing delay
// (30 s, 1 min, 2 min … at most an hour; wrangler.toml bounds the tries); one the server refused
// for good (5xx) is not. Delivery is at least once: a crash after the server took a message
// sends it again, with the same Message-ID, which mail clients show once.
import { composeAccountMail } from "../api/auth/account-mail";
import { composeNotificationMail } from "../api/notifications/notification-mail";
import { doublingDelay } from "../lib/async/doubling-delay";
import { logger } from "../lib/observability/logger";
import { withDatabase } from "../lib/postgres/routed-database";
import { MailJobSchema } from "../mail/mail-jobs";
import { toMime } from "../mail/mime";
import { MailRefused, transportOf } from "../mail/transport";

export const retryDelaySeconds = (attempts: number) => doublingDelay(attempts, 30, 3600);

export async function consumeMail(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	const transport = transportOf(env);
	await withDatabase(env, async (db) => {
		for (const msg of batch.messages) {
			const parsed = MailJobSchema.safeParse(msg.body);
			if (!parsed.success) {
				logger.error("mail_job_invalid", { messageId: msg.id });
				msg.ack();
				continue;
			}
			const job = parsed.data;
			try {
				const mail =
					job.kind === "notification" || job.kind === "digest"
						? await composeNotificationMail(db, env, job)
						: await composeAccountMail(db, env, job);
				if (mail) {
					await transport.send({ from: mail.from.address, to: mail.to, raw: toMime(mail) });
					logger.info("mail_sent", { kind: job.kind, mailId: job.id, attempts: msg.attempts });
				}
				msg.ack();
			} catch (err) {
				if (err instanceof MailRefused && err.permanent) {
					logger.warn("mail_refused", { kind: job.kind, mailId: job.id, error: err.message });
					msg.ack();
					continue;
				}
				logger.warn("mail_retry", { kind: job.kind, mailId: job.id, attempts: msg.attempts, error: (err as Error).message });
				msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
			}
		}
	});
}
