// The links mailed to an address: verify it, move the account to it, or reset the password.
// A token is 32 random bytes; only its SHA-256 is stored, so a database read does not yield a
// working link. Each works once (spent in the same transaction as what it does) and expires.
import { and, count, eq, gt, isNull, sql } from "drizzle-orm";
import { hashOpaqueToken, newOpaqueToken } from "../../lib/auth/opaque-token";
import { type Db, type RoutedDatabase, withDatabase } from "../../lib/postgres/routed-database";
import { emailTokens } from "../../lib/postgres/schema";
import { HttpProblem } from "../../lib/problems/http-problem";

export type EmailTokenPurpose = (typeof emailTokens.$inferSelect)["purpose"];

/** How long each kind of link works: a reset is a key to the account, so it is short. */
export const LINK_TTL_SECONDS: Record<EmailTokenPurpose, number> = {
	verify_email: 48 * 3600,
	change_email: 24 * 3600,
	reset_password: 3600,
};

/** A new link's token for `email`; the caller mails it and forgets it. */
export async function issueEmailToken(db: RoutedDatabase, userId: string, purpose: EmailTokenPurpose, email: string): Promise<string> {
	const token = newOpaqueToken();
	const expiresAt = new Date(Date.now() + LINK_TTL_SECONDS[purpose] * 1000);
	const tokenHash = await hashOpaqueToken(token);
	await db.write((q) => q.insert(emailTokens).values({ tokenHash, userId, purpose, email, expiresAt }));
	return token;
}

/** Links of `purpose` issued to the account since `since` (the resend and reset throttles count these). */
export async function linksIssuedSince(db: RoutedDatabase, userId: string, purpose: EmailTokenPurpose, since: Date): Promise<number> {
	const [row] = await db.readFromPrimary((q) =>
		q
			.select({ n: count() })
			.from(emailTokens)
			.where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), gt(emailTokens.createdAt, since))),
	);
	return row?.n ?? 0;
}

export interface SpentLink {
	userId: string;
	purpose: EmailTokenPurpose;
	email: string;
}

/**
 * Spends the link inside `tx` (so it is spent only if what it does commits; a throw rolls the
 * spending back too), or throws: 400
 * `link_invalid` for a token never issued (or of another purpose), 410 `link_used` and
 * `link_expired` for one that was. The three differ only for tokens that really were mailed,
 * which only their holder can present, so the difference tells a stranger nothing.
 */
export async function spendLink(tx: Db, token: string, purposes: readonly EmailTokenPurpose[]): Promise<SpentLink> {
	const tokenHash = await hashOpaqueToken(token);
	const [spent] = await tx
		.update(emailTokens)
		.set({ usedAt: new Date() })
		.where(and(eq(emailTokens.tokenHash, tokenHash), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, sql`now()`)))
		.returning({ userId: emailTokens.userId, purpose: emailTokens.purpose, email: emailTokens.email });
	if (spent && purposes.includes(spent.purpose)) return spent;
	const [row] = await tx
		.select({ usedAt: emailTokens.usedAt, purpose: emailTokens.purpose })
		.from(emailTokens)
		.where(eq(emailTokens.tokenHash, tokenHash))
		.limit(1);
	if (!row || !purposes.includes(row.purpose)) throw new HttpProblem(400, "link_invalid", "This link is not valid.");
	if (row.usedAt && !spent) throw new HttpProblem(410, "link_used", "This link was already used. Ask for a new one.");
	throw new HttpProblem(410, "link_expired", "This link has expired. Ask for a new one.");
}

/**
 * Every link of the account still out stops working: a password reset or change, or a move to a
 * new address, ends whatever a thief may have asked for before it (a pending move, above all).
 */
export async function spendAllLinks(tx: Db, userId: string): Promise<void> {
	await tx
		.update(emailTokens)
		.set({ usedAt: new Date() })
		.where(and(eq(emailTokens.userId, userId), isNull(emailTokens.usedAt)));
}

/** Links past use are kept this long (the resend and reset throttles count the last hour), then deleted. */
export const SPENT_LINKS_KEPT_DAYS = 7;

/** Hourly: deletes links expired or used more than SPENT_LINKS_KEPT_DAYS ago. */
export async function sweepEmailTokens(env: Env): Promise<number> {
	return withDatabase(env, async (db) => {
		const gone = await db.write((q) =>
			q
				.delete(emailTokens)
				.where(sql`coalesce(${emailTokens.usedAt}, ${emailTokens.expiresAt}) < now() - make_interval(days => ${SPENT_LINKS_KEPT_DAYS})`)
				.returning({ tokenHash: emailTokens.tokenHash }),
		);
		return gone.length;
	});
}
