// Reading what the Worker really mailed: the queue's consumer sent it by SMTP to the mail catcher
// the test setup started (scripts/mail-catcher.ts), which lists it parsed.
import { env } from "cloudflare:workers";
import type { CaughtMail } from "../../scripts/mail-catcher";
import { waitFor } from "../../scripts/wait-for";

export async function mailTo(address: string): Promise<CaughtMail[]> {
	const res = await fetch(`${env.MAIL_CATCHER_URL}/messages?to=${encodeURIComponent(address)}`);
	if (!res.ok) throw new Error(`mail catcher: ${res.status}`);
	return (await res.json()) as CaughtMail[];
}

/** Waits until `address` has been mailed `count` messages whose subject matches, and returns them (oldest first). */
export async function waitForMail(address: string, subject: RegExp, count = 1): Promise<CaughtMail[]> {
	return waitFor(
		`${count} mail(s) "${subject.source}" to ${address}`,
		async () => {
			const found = (await mailTo(address)).filter((m) => subject.test(m.subject));
			return found.length >= count ? found : undefined;
		},
		{ timeoutMs: 20_000 },
	);
}

/** The token of the mail's link to `page` (after #token=). */
export function linkToken(mail: CaughtMail, page: string): string {
	const link = mail.links.find((l) => new URL(l).pathname === `/${page}`);
	if (!link) throw new Error(`no /${page} link in "${mail.subject}": ${mail.links.join(", ")}`);
	const token = new URL(link).hash.replace(/^#token=/, "");
	if (!token) throw new Error(`the /${page} link carries no token`);
	return token;
}
