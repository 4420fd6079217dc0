// Production's transport: Cloudflare Email Service through the Worker's `send_email` binding
// (developers.cloudflare.com/email-service/api/send-emails/workers-api/), handed the same raw
// MIME message the local SMTP transport sends, so what is tested locally is what leaves.
// Limits (developers.cloudflare.com/email-service/platform/limits/): 5 MiB a message, 50
// recipients, a daily quota per account; we send one small message to one recipient each time.
import { EmailMessage } from "cloudflare:email";
import { MailRefused, type Transport } from "./transport";

export function emailServiceTransport(binding: SendEmail): Transport {
	return {
		async send({ from, to, raw }) {
			try {
				await binding.send(new EmailMessage(from, to, raw));
			} catch (err) {
				// The binding throws for a refused recipient or sender as for a passing failure, with no
				// code to tell them apart; the queue retries a bounded number of times either way.
				throw new MailRefused(`Email Service: ${(err as Error).message}`, false);
			}
		},
	};
}
