// Forgotten passwords. Asking answers the same whatever the address (202, one queue message:
// the consumer looks the account up, api/auth/account-mail.ts), so neither the answer nor its
// timing says whether an account exists. Following the link sets the password and ends every
// other way into the account: every session and socket, every other mailed link (a pending move to
// a thief's address above all), its data exports' links; it verifies the address (the link proved
// it), and a listed ADMIN_EMAILS address becomes admin here and only here. When the reset is what
// first proves the address, whoever registered it before its owner may have made API keys and
// webhooks: those go too.
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { mapLimit } from "../../lib/async/map-limit";
import { hashOpaqueToken } from "../../lib/auth/opaque-token";
import { hashPassword } from "../../lib/auth/password-hash";
import { refuseTokensIssuedBefore } from "../../lib/auth/user-gate-client";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { emailTokens, sessions, users } from "../../lib/postgres/schema";
import { exportsPrefix } from "../../lib/r2/export-keys";
import { mailLater, mailLaterOrLog } from "../../mail/mail-jobs";
import { closeSessionSockets } from "../../realtime/end-session";
import { dropIntegrations } from "../keys/integrations-store";
import { spendAllLinks, spendLink } from "./email-tokens";
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
			const { wasVerified } = await markVerified(tx, env, link.userId, link.email, { promote: true });
			// Never proved until now: whoever registered the address may have made keys and webhooks.
			if (!wasVerified) await dropIntegrations(tx, env, link.userId);
			await tx.update(users).set({ passwordHash: hash }).where(eq(users.id, link.userId));
			await spendAllLinks(tx, link.userId);
			await tx.execute(sql`DELETE FROM data_exports WHERE user_id = ${link.userId}::uuid`);
			const ended = await tx
				.update(sessions)
				.set({ revokedAt: new Date(), revokedReason: "password_reset" })
				.where(and(eq(sessions.userId, link.userId), isNull(sessions.revokedAt)))
				.returning({ id: sessions.id });
			return { userId: link.userId, ended };
		}),
	);
	// The exports' archives (their rows, and so their links, are gone already).
	const archives = await env.MEDIA.list({ prefix: exportsPrefix(outcome.userId) });
	if (archives.objects.length > 0) await env.MEDIA.delete(archives.objects.map((o) => o.key));
	await mapLimit(outcome.ended, 4, (s) => closeSessionSockets(env, outcome.userId, s.id));
	await mailLaterOrLog(env, { kind: "password_changed", userId: outcome.userId, how: "reset" });
	return { endedSessions: outcome.ended.length };
}
