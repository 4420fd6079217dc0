// How a finished message leaves: one interface, two transports, chosen by MAIL_TRANSPORT.
import { configOf } from "../lib/config/config";
import { emailServiceTransport } from "./email-service-transport";
import { smtpTransport } from "./smtp-transport";

export interface Envelope {
	from: string;
	to: string;
	/** The whole RFC 5322 message (mime.ts). */
	raw: string;
}

export interface Transport {
	send(envelope: Envelope): Promise<void>;
}

/** A send that failed; `permanent` when trying again cannot help (the address is refused, say). */
export class MailRefused extends Error {
	constructor(
		message: string,
		readonly permanent: boolean,
	) {
		super(message);
	}
}

export function transportOf(env: Env): Transport {
	const config = configOf(env);
	if (config.MAIL_TRANSPORT === "smtp") return smtpTransport(config.SMTP_URL);
	const binding = (env as Partial<{ EMAIL: SendEmail }>).EMAIL;
	if (!binding) throw new Error("MAIL_TRANSPORT is email-service but the EMAIL send_email binding is missing (wrangler.toml)");
	return emailServiceTransport(binding);
}
