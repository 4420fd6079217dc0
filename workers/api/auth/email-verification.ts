// Proving an address: following a mailed link verifies the account's email or moves the account
// to a new one. ADMIN_EMAILS makes an account admin only through a password reset of a listed
// address (password-reset.ts): registering with it proves nothing, and neither does a verification
// link being opened (a mail scanner opens links; the password was chosen by whoever registered).
// A reset link sets a password only the mailbox's holder knows and ends every other way in.
import { and, eq, sql } from "drizzle-orm";
import { configOf } from "../../lib/config/config";
import type { Db, RoutedDatabase } from "../../lib/postgres/routed-database";
import { users } from "../../lib/postgres/schema";
import { violatedConstraint } from "../../lib/postgres/unique-violation";
import { HttpProblem } from "../../lib/problems/http-problem";
import { mailLater } from "../../mail/mail-jobs";
import { checkCurrentPassword } from "./current-password";
import { spendAllLinks, spendLink } from "./email-tokens";

/** Verification links one account may be mailed an hour (its first included). */
export const VERIFY_LINKS_PER_HOUR = 3;
/** Moves one account may ask for an hour: each mails an address of the asker's choosing. */
export const CHANGE_LINKS_PER_HOUR = 3;

/**
 * Counted when asked, in the account's own limiter object (exact under any burst: the links are
 * minted later, in the queue, so counting them here would let a burst through; the consumer counts
 * them again as a second guard).
 */
async function takeMailQuota(env: Env, key: string, limit: number, what: string): Promise<void> {
	const decision = await env.RATE_LIMITER.getByName(key).take({ limit, periodSeconds: 3600 });
	if (!decision.allowed) {
		throw new HttpProblem(
			429,
			"rate_limited",
			`At most ${limit} ${what} an hour; check your inbox (and spam) for the last one.`,
			{},
			{
				"retry-after": String(decision.retryAfterSeconds),
			},
		);
	}
}

/**
 * Marks `email` verified on the account, if it is still the account's address (`move`: makes it
 * so first); with `promote` (a password reset), grants admin when the address is listed. Returns
 * whether it was made admin and whether the address was verified before.
 */
export async function markVerified(
	tx: Db,
	env: Env,
	userId: string,
	email: string,
	{ move = false, promote = false }: { move?: boolean; promote?: boolean } = {},
): Promise<{ promoted: boolean; wasVerified: boolean }> {
	const listed = promote && configOf(env).ADMIN_EMAILS.includes(email.toLowerCase());
	const [before] = await tx.select({ at: users.emailVerifiedAt }).from(users).where(eq(users.id, userId)).for("update").limit(1);
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
	return { promoted: listed, wasVerified: Boolean(before?.at) && !move };
}

/** Follows a verify or change-email link. 409 `email_taken` when another account took the new address meanwhile. */
export async function followEmailLink(db: RoutedDatabase, env: Env, token: string): Promise<{ userId: string; email: string }> {
	let outcome: { userId: string; email: string };
	try {
		outcome = await db.write((q) =>
			q.transaction(async (tx) => {
				const link = await spendLink(tx, token, ["verify_email", "change_email"]);
				const moved = link.purpose === "change_email";
				await markVerified(tx, env, link.userId, link.email, { move: moved });
				// A move ends every other link out (another move, a reset to the old address).
				if (moved) await spendAllLinks(tx, link.userId);
				return { userId: link.userId, email: link.email };
			}),
		);
	} catch (err) {
		if (violatedConstraint(err) === "users_email_lower_key") {
			throw new HttpProblem(409, "email_taken", "Another account uses that address now.");
		}
		throw err;
	}
	return outcome;
}

/** Mails a fresh verification link; 409 when already verified, 429 past VERIFY_LINKS_PER_HOUR. */
export async function resendVerification(db: RoutedDatabase, env: Env, userId: string): Promise<void> {
	const [u] = await db.readFromPrimary((q) =>
		q.select({ verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, userId)).limit(1),
	);
	if (!u) throw new HttpProblem(404, "user_not_found", "This account no longer exists.");
	if (u.verifiedAt) throw new HttpProblem(409, "email_already_verified", "Your email is already verified.");
	// The first link went at registration: the rest of the hour's are resends.
	await takeMailQuota(env, `mail:verify:${userId}`, VERIFY_LINKS_PER_HOUR - 1, "new verification mails");
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
	await takeMailQuota(env, `mail:change:${userId}`, CHANGE_LINKS_PER_HOUR, "email changes");
	await mailLater(env, { kind: "change_email", userId, newEmail });
	await mailLater(env, { kind: "email_change_requested", userId, oldEmail: me.email, newEmail });
}
