// Proving an address: following a mailed link verifies the account's email or moves the account
// to a new one, and only then may ADMIN_EMAILS make it an admin (registering with a listed address
// proves nothing; reading mail sent to it does).
import { and, eq, sql } from "drizzle-orm";
import { announceRole } from "../../lib/auth/user-gate-client";
import { configOf } from "../../lib/config/config";
import { logger } from "../../lib/observability/logger";
import type { Db, RoutedDatabase } from "../../lib/postgres/routed-database";
import { users } from "../../lib/postgres/schema";
import { violatedConstraint } from "../../lib/postgres/unique-violation";
import { HttpProblem } from "../../lib/problems/http-problem";
import { mailLater } from "../../mail/mail-jobs";
import { checkCurrentPassword } from "./current-password";
import { linksIssuedSince, spendLink } from "./email-tokens";

/** Verification links one account may be mailed an hour (its first included). */
export const VERIFY_LINKS_PER_HOUR = 3;

/**
 * Marks `email` verified on the account, if it is still the account's address (`move`: makes it
 * so first), and grants admin when the address is listed. Returns whether it was made admin.
 */
export async function markVerified(tx: Db, env: Env, userId: string, email: string, move: boolean): Promise<{ promoted: boolean }> {
	const listed = configOf(env).ADMIN_EMAILS.includes(email.toLowerCase());
	const [row] = await tx
		.update(users)
		.set({
			...(move ? { email } : {}),
			emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`,
			...(listed ? { role: "admin" as const } : {}),
			updatedAt: new Date(),
		})
		.where(move ? eq(users.id, userId) : and(eq(users.id, userId), sql`lower(${users.email}) = ${email.toLowerCase()}`))
		.returning({ id: users.id });
	// The account has moved to another address since this link was mailed.
	if (!row) throw new HttpProblem(400, "link_invalid", "This link was for an address the account no longer uses.");
	return { promoted: listed };
}

/** Follows a verify or change-email link. 409 `email_taken` when another account took the new address meanwhile. */
export async function followEmailLink(db: RoutedDatabase, env: Env, token: string): Promise<{ userId: string; email: string }> {
	let outcome: { userId: string; email: string; promoted: boolean };
	try {
		outcome = await db.write((q) =>
			q.transaction(async (tx) => {
				const link = await spendLink(tx, token, ["verify_email", "change_email"]);
				const { promoted } = await markVerified(tx, env, link.userId, link.email, link.purpose === "change_email");
				return { userId: link.userId, email: link.email, promoted };
			}),
		);
	} catch (err) {
		if (violatedConstraint(err) === "users_email_lower_key") {
			throw new HttpProblem(409, "email_taken", "Another account uses that address now.");
		}
		throw err;
	}
	if (outcome.promoted) {
		// Tokens out now act as admin at once; a failure here only means the next refresh brings it.
		await announceRole(env, outcome.userId, "admin").catch((err: Error) =>
			logger.warn("role_not_announced", { userId: outcome.userId, error: err.message }),
		);
	}
	return { userId: outcome.userId, email: outcome.email };
}

/** Mails a fresh verification link; 409 when already verified, 429 past VERIFY_LINKS_PER_HOUR. */
export async function resendVerification(db: RoutedDatabase, env: Env, userId: string): Promise<void> {
	const [u] = await db.readFromPrimary((q) =>
		q.select({ verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, userId)).limit(1),
	);
	if (!u) throw new HttpProblem(404, "user_not_found", "This account no longer exists.");
	if (u.verifiedAt) throw new HttpProblem(409, "email_already_verified", "Your email is already verified.");
	if ((await linksIssuedSince(db, userId, "verify_email", new Date(Date.now() - 3600_000))) >= VERIFY_LINKS_PER_HOUR) {
		throw new HttpProblem(
			429,
			"rate_limited",
			`At most ${VERIFY_LINKS_PER_HOUR} verification mails an hour; check your inbox (and spam) for the last one.`,
			{},
			{
				"retry-after": "3600",
			},
		);
	}
	await mailLater(env, { kind: "verify_email", userId });
}

/** Mails a link to `newEmail` and a notice to the current address. The account moves only when the link is followed. */
export async function requestEmailChange(db: RoutedDatabase, env: Env, userId: string, password: string, newEmail: string): Promise<void> {
	await checkCurrentPassword(db, env, userId, password);
	const [me] = await db.readFromPrimary((q) => q.select({ email: users.email }).from(users).where(eq(users.id, userId)).limit(1));
	if (!me) throw new HttpProblem(404, "user_not_found", "This account no longer exists.");
	if (me.email.toLowerCase() === newEmail.toLowerCase()) throw new HttpProblem(400, "email_unchanged", "That is already your email.");
	const [taken] = await db.readFromPrimary((q) =>
		q.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${newEmail.toLowerCase()}`).limit(1),
	);
	// Registering tells the same, so this tells a stranger nothing more (and needs the password first).
	if (taken) throw new HttpProblem(409, "email_taken", "An account with that email already exists.");
	await mailLater(env, { kind: "change_email", userId, newEmail });
	await mailLater(env, { kind: "email_change_requested", userId, oldEmail: me.email, newEmail });
}
