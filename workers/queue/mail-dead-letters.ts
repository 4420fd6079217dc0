// `queue()` for mail-outbox-dlq: mail whose tries ran out (about three hours of a transport that
// would not take it). It is given up, loudly: logged at error level with what it was (a message
// carries which mail to send, never the mail or a token), so an operator sees it; the person can
// ask again (a new link, a new reset).
import { logger } from "../lib/observability/logger";
import { MailJobSchema } from "../mail/mail-jobs";

export async function consumeMailDeadLetters(batch: MessageBatch<unknown>): Promise<void> {
	for (const msg of batch.messages) {
		const job = MailJobSchema.safeParse(msg.body);
		logger.error("mail_dead_letter", {
			messageId: msg.id,
			attempts: msg.attempts,
			...(job.success ? { kind: job.data.kind, mailId: job.data.id } : { body: msg.body }),
		});
		msg.ack();
	}
}
