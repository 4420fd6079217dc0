// Forgotten passwords. Asking answers the same whatever the address (202, one queue message:
// the consumer looks the account up, api/auth/account-mail.ts), so neither the answer nor its
// timing says whether an account exists. Following the link sets the password, verifies the
// address (the link proved it), and ends every session and socket of the account.
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { mapLimit } from "../../lib/async/map-limit";
import { hashOpaqueToken } from "../../lib/auth/opaque-token";
import { hashPassword } from "../../lib/auth/password-hash";
import { refuseTokensIssuedBefore } from "../../lib/auth/user-gate-client";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { emailTokens, sessions, users } from "../../lib/postgres/schema";
import { mailLater, mailLaterOrLog } from "../../mail/mail-jobs";
import { closeSessionSockets } from "../../realtime/end-session";
import { spendLink } from "./email-tokens";
import { markVerified } from "./email-verification";

export async function requestPasswordReset(env: Env, email: string): Promise<void> {
	await mailLater(env, { kind: "password_reset", email });
}

export async function resetPassword(db: RoutedDatabase, env: Env, token: string, password: string): Promise<{ endedSessions: number }> {
	const hash = await hashPassword(password);
	// The gate first, as a password change does: every access token out now is refused. Looked up
	// (not spent) to learn whose gate; a bad token reaches spendLink below and gets its answer there.
	const tokenHash = await hashOpaqueToken(token);
	const [peek] = await db.readFromPrimary((q) =>
		q
			.select({ userId: emailTokens.userId })
			.from(emailTokens)
			.where(
				and(
					eq(emailTokens.tokenHash, tokenHash),
					eq(emailTokens.purpose, "reset_password"),
					isNull(emailTokens.usedAt),
					gt(emailTokens.expiresAt, sql`now()`),
				),
			)
			.limit(1),
	);
	if (peek) await refuseTokensIssuedBefore(env, peek.userId);
	const outcome = await db.write((q) =>
		q.transaction(async (tx) => {
			const link = await spendLink(tx, token, ["reset_password"]);
			await markVerified(tx, env, link.userId, link.email, false);
			await tx.update(users).set({ passwordHash: hash }).where(eq(users.id, link.userId));
			const ended = await tx
				.update(sessions)
				.set({ revokedAt: new Date(), revokedReason: "password_reset" })
				.where(and(eq(sessions.userId, link.userId), isNull(sessions.revokedAt)))
				.returning({ id: sessions.id });
			return { userId: link.userId, ended };
		}),
	);
	await mapLimit(outcome.ended, 4, (s) => closeSessionSockets(env, outcome.userId, s.id));
	await mailLaterOrLog(env, { kind: "password_changed", userId: outcome.userId, how: "reset" });
	return { endedSessions: outcome.ended.length };
}
