// Verifying an account's address against a running stack the way its owner would: the link the
// stack mailed, read from its mail catcher (scripts/mail-catcher.ts), followed through the API.
// For the scripts and end-to-end tests whose accounts must be verified (going live, the seed's
// creators posting more than a few reels).
import type { CaughtMail } from "./mail-catcher.ts";
import { waitFor } from "./wait-for.ts";

export async function followVerificationMail(baseUrl: string, mailUrl: string, email: string): Promise<void> {
	const link = await waitFor(
		`the verification mail to ${email} (is the mail catcher at ${mailUrl} the stack's?)`,
		async () => {
			const res = await fetch(`${mailUrl}/messages?to=${encodeURIComponent(email)}`);
			const mails = (await res.json()) as CaughtMail[];
			return mails.flatMap((m) => m.links).find((l) => new URL(l).pathname === "/verify-email");
		},
		{ timeoutMs: 30_000, everyMs: 200, ignoreErrors: true },
	);
	const token = new URL(link).hash.replace(/^#token=/, "");
	const res = await fetch(new URL("/api/auth/verify", baseUrl), {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ token }),
	});
	if (res.status !== 200) throw new Error(`verifying ${email}: expected 200, got ${res.status}: ${await res.text()}`);
}
