// The account's own mail, composed by the `mail-outbox` consumer from what the queue says to send
// (mail/mail-jobs.ts): each link's token is issued here, at the moment it is mailed. All of these
// are required mail about the account (no unsubscribe link: nobody may opt out of hearing that
// their password changed).
import { eq, sql } from "drizzle-orm";
import { configOf } from "../../lib/config/config";
import { logger } from "../../lib/observability/logger";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { users } from "../../lib/postgres/schema";
import type { MailJob } from "../../mail/mail-jobs";
import { type MailContent, renderMail } from "../../mail/mail-layout";
import type { MailMessage } from "../../mail/mime";
import { exportDownloadUrl } from "../exports/export-link";
import { exportById } from "../exports/export-store";
import { type EmailTokenPurpose, issueEmailToken, LINK_TTL_SECONDS, linksIssuedSince } from "./email-tokens";
import { CHANGE_LINKS_PER_HOUR, VERIFY_LINKS_PER_HOUR } from "./email-verification";

/** Reset links one account is mailed an hour at most: a stranger who knows the address cannot flood its inbox. */
export const RESET_LINKS_PER_HOUR = 3;

const REQUIRED_FOOTER = "This is required mail about your reels-edge account, sent because of a change to it or a request for it.";

/** True (and logged) when the account was mailed `max` links of `purpose` in the last hour. */
async function throttled(db: RoutedDatabase, userId: string, purpose: EmailTokenPurpose, max: number): Promise<boolean> {
	if ((await linksIssuedSince(db, userId, purpose, new Date(Date.now() - 3600_000))) < max) return false;
	logger.warn("mail_throttled", { purpose, userId });
	return true;
}

type Account = { id: string; email: string; name: string; emailVerifiedAt: Date | null };

async function accountById(db: RoutedDatabase, id: string): Promise<Account | undefined> {
	const [u] = await db.readFromPrimary((q) =>
		q
			.select({ id: users.id, email: users.email, name: users.name, emailVerifiedAt: users.emailVerifiedAt })
			.from(users)
			.where(eq(users.id, id))
			.limit(1),
	);
	return u;
}

const hours = (seconds: number) =>
	seconds % 3600 === 0 && seconds >= 7200
		? `${seconds / 3600} hours`
		: seconds === 3600
			? "one hour"
			: `${Math.round(seconds / 60)} minutes`;

/** The message for `job`, or null when there is nothing to send (no such account, already verified, throttled). */
export type AccountMailJob = Exclude<MailJob, { kind: "notification" | "digest" }>;

export async function composeAccountMail(db: RoutedDatabase, env: Env, job: AccountMailJob): Promise<MailMessage | null> {
	const config = configOf(env);
	const link = (page: string, token: string) => `${config.APP_ORIGIN}/${page}#token=${token}`;
	const message = (to: string, content: MailContent): MailMessage => ({
		id: job.id,
		from: { name: config.MAIL_FROM_NAME, address: config.MAIL_FROM_ADDRESS },
		to,
		subject: content.subject,
		...renderMail(content),
	});

	if (job.kind === "password_reset") {
		const [u] = await db.readFromPrimary((q) =>
			q
				.select({ id: users.id, email: users.email, name: users.name })
				.from(users)
				.where(sql`lower(${users.email}) = ${job.email.toLowerCase()}`)
				.limit(1),
		);
		if (!u) return null;
		if (await throttled(db, u.id, "reset_password", RESET_LINKS_PER_HOUR)) return null;
		const token = await issueEmailToken(db, u.id, "reset_password", u.email);
		return message(u.email, {
			subject: "Reset your reels-edge password",
			heading: `Hi ${u.name},`,
			paragraphs: ["Someone (we hope you) asked to reset the password of the reels-edge account with this address."],
			action: { label: "Choose a new password", url: link("reset-password", token) },
			after: [
				`The link works once, for ${hours(LINK_TTL_SECONDS.reset_password)}. Setting a new password signs out every device.`,
				"If you did not ask for this, ignore this mail: your password stays as it is.",
			],
			footer: REQUIRED_FOOTER,
		});
	}

	const u = await accountById(db, job.userId);
	if (!u) return null;
	switch (job.kind) {
		case "verify_email": {
			// Counted again here: a burst of resends all passed the route's count before any link existed.
			if (u.emailVerifiedAt || (await throttled(db, u.id, "verify_email", VERIFY_LINKS_PER_HOUR))) return null;
			const token = await issueEmailToken(db, u.id, "verify_email", u.email);
			return message(u.email, {
				subject: "Confirm your email for reels-edge",
				heading: `Welcome, ${u.name}!`,
				paragraphs: ["Confirm this address to post without limits and to go live, and so you can always get back into your account."],
				action: { label: "Confirm my email", url: link("verify-email", token) },
				after: [`The link works for ${hours(LINK_TTL_SECONDS.verify_email)}. If you did not sign up, ignore this mail.`],
				footer: REQUIRED_FOOTER,
			});
		}
		case "change_email": {
			if (await throttled(db, u.id, "change_email", CHANGE_LINKS_PER_HOUR)) return null;
			const token = await issueEmailToken(db, u.id, "change_email", job.newEmail);
			return message(job.newEmail, {
				subject: "Confirm your new email for reels-edge",
				heading: `Hi ${u.name},`,
				paragraphs: ["Confirm this address to make it your reels-edge account's email. Until you do, the old one stays."],
				action: { label: "Use this address", url: link("verify-email", token) },
				after: [`The link works for ${hours(LINK_TTL_SECONDS.change_email)}. If you did not ask for this, ignore this mail.`],
				footer: REQUIRED_FOOTER,
			});
		}
		case "email_change_requested":
			return message(job.oldEmail, {
				subject: "Your reels-edge email is about to change",
				heading: `Hi ${u.name},`,
				paragraphs: [
					`Someone signed in to your account asked to move it to ${job.newEmail}. It moves only when the link sent there is followed.`,
					"If this was not you, reset your password now: that signs out every device and cancels nothing you did not ask for.",
				],
				action: { label: "Reset my password", url: `${config.APP_ORIGIN}/forgot-password` },
				footer: REQUIRED_FOOTER,
			});
		case "export_ready": {
			const row = await exportById(db, job.exportId);
			if (row?.status !== "ready" || !row.expiresAt) return null;
			return message(u.email, {
				subject: "Your reels-edge data is ready",
				heading: `Hi ${u.name},`,
				paragraphs: [
					"The archive of your account's data you asked for is ready: your profile, reels, comments, likes, follows, notifications, and links to every file you uploaded.",
				],
				action: { label: "Download my data", url: await exportDownloadUrl(env, row.id, row.expiresAt) },
				after: [
					`The link works until ${row.expiresAt.toUTCString()}, then the archive is deleted. Anyone with the link can download it: keep it to yourself.`,
				],
				footer: REQUIRED_FOOTER,
			});
		}
		case "password_changed":
			return message(u.email, {
				subject: job.how === "reset" ? "Your reels-edge password was reset" : "Your reels-edge password was changed",
				heading: `Hi ${u.name},`,
				paragraphs: [
					job.how === "reset"
						? "Your password was reset with a link mailed to this address, and every device was signed out."
						: "Your password was changed, and every other device was signed out.",
					"API keys you made keep working; revoke any you do not know in Settings.",
				],
				after: ["If this was not you, reset your password now and check your API keys."],
				action: { label: "Reset my password", url: `${config.APP_ORIGIN}/forgot-password` },
				footer: REQUIRED_FOOTER,
			});
	}
}
