import { and, eq, isNull, sql } from "drizzle-orm";
import { signAccessToken } from "../../lib/auth/access-token";
import { hashOpaqueToken, newOpaqueToken } from "../../lib/auth/opaque-token";
import { hashPassword } from "../../lib/auth/password-hash";
import { configOf } from "../../lib/config/config";
import { uuidv7 } from "../../lib/ids/uuidv7";
import type { Db, RoutedDatabase } from "../../lib/postgres/routed-database";
import { refreshTokens, sessions, users } from "../../lib/postgres/schema";
import { violatedConstraint } from "../../lib/postgres/unique-violation";
import { HttpProblem } from "../../lib/problems/http-problem";
import type { ProblemCode } from "../../lib/problems/problem-codes";
import { handleFromName, nextHandleChange } from "../users/handle";
import { heldUntil, lockHandles } from "../users/held-handles";
import type { PrivateUser } from "./auth-schemas";
import { passwordTryMatches } from "./password-try";
import { sessionEnded } from "./session-ended";

type UserRow = typeof users.$inferSelect;

/** The account as its owner sees it; `avatarUrl` is read from the media plane by the caller (avatar-urls.ts), null when not asked. */
export function toPrivateUser(u: UserRow, avatarUrl: string | null = null): PrivateUser {
	return {
		id: u.id,
		email: u.email,
		emailVerified: u.emailVerifiedAt !== null,
		name: u.name,
		handle: u.handle,
		nextHandleChangeAt: nextHandleChange(u.handleChangedAt)?.toISOString() ?? null,
		bio: u.bio,
		role: u.role,
		avatarAssetId: u.avatarAssetId,
		avatarUrl,
		private: u.private,
		createdAt: u.createdAt.toISOString(),
	};
}

/** The derived handle is held for the account that gave it up: registration draws another. */
class HandleHeld extends Error {}

const badCredentials = () => new HttpProblem(401, "invalid_credentials", "The email or password is wrong.");
const refreshRefused = (code: ProblemCode, detail: string) => new HttpProblem(401, code, detail);

/**
 * Creates the account (role `user`, email unverified); 409 when the email is taken. Registering
 * never makes an admin: not by being first (which raced every fresh deployment), and not by an
 * address on ADMIN_EMAILS, since registering proves nothing about owning it: following the mailed
 * link does (email-verification.ts). Otherwise admins come from `npm run role:grant`.
 */
export async function registerUser(db: RoutedDatabase, input: { email: string; name: string; password: string }): Promise<UserRow> {
	const passwordHash = await hashPassword(input.password);
	// The handle is the name's with 4 random digits; taken or held for its last owner (rare), it is
	// tried again with 8.
	for (const digits of [4, 8, 8]) {
		const handle = handleFromName(input.name, digits);
		try {
			return await db.write((q) =>
				q.transaction(async (tx) => {
					await lockHandles(tx, [handle]);
					if (await heldUntil(tx, handle, null)) throw new HandleHeld();
					const [row] = await tx
						.insert(users)
						.values({ id: uuidv7(), email: input.email, name: input.name, handle, passwordHash, role: "user" })
						.returning();
					if (!row) throw new Error("insert returned no row");
					return row;
				}),
			);
		} catch (err) {
			if (err instanceof HandleHeld || violatedConstraint(err) === "users_handle_key") continue;
			if (violatedConstraint(err)) throw new HttpProblem(409, "email_taken", "An account with that email already exists.");
			throw err;
		}
	}
	throw new HttpProblem(503, "database_unavailable", "Could not pick a free handle; try again.");
}

/**
 * Same answer and the same hashing work for an unknown email and a wrong
 * password. Reads the primary: credentials must be current (an account made a
 * moment ago, a password changed a moment ago), and sign-ins are rare enough.
 */
export async function checkCredentials(db: RoutedDatabase, env: Env, email: string, password: string): Promise<UserRow> {
	let user: UserRow | undefined;
	const ok = await passwordTryMatches(env, email, password, async () => {
		[user] = await db.readFromPrimary((q) => q.select().from(users).where(sql`lower(${users.email}) = ${email}`).limit(1));
		return user?.passwordHash;
	});
	if (!user || !ok) throw badCredentials();
	return user;
}

async function issueRefreshToken(tx: Pick<Db, "insert">, env: Env, sessionId: string): Promise<string> {
	const token = newOpaqueToken();
	const ttlMs = configOf(env).REFRESH_TOKEN_TTL_SECONDS * 1000;
	await tx.insert(refreshTokens).values({ tokenHash: await hashOpaqueToken(token), sessionId, expiresAt: new Date(Date.now() + ttlMs) });
	return token;
}

/** A new session (refresh-token family) for `user`, with its first token pair. */
export async function startSession(db: RoutedDatabase, env: Env, user: UserRow) {
	const sessionId = uuidv7();
	const refreshToken = await db.write((q) =>
		q.transaction(async (tx) => {
			await tx.insert(sessions).values({ id: sessionId, userId: user.id });
			return issueRefreshToken(tx, env, sessionId);
		}),
	);
	const access = await signAccessToken(env, { sub: user.id, role: user.role, sid: sessionId, lsn: await db.consistencyToken() });
	return { accessToken: access.token, refreshToken, tokenType: "Bearer" as const, expiresIn: access.expiresIn };
}

type RotateOutcome =
	| { ok: true; token: string; userId: string; role: UserRow["role"]; sessionId: string }
	| { ok: false; problem: HttpProblem; revoked?: { userId: string; sessionId: string } };

/**
 * Trades a refresh token for a new pair. Each token works once: presenting a
 * used one means it was copied, so the whole family (session) is revoked and
 * every token of it, the thief's and the owner's, stops working.
 */
export async function rotateRefreshToken(db: RoutedDatabase, env: Env, presented: string) {
	const tokenHash = await hashOpaqueToken(presented);
	// The revocation must commit even though the caller gets an error, so the
	// transaction returns an outcome instead of throwing.
	const outcome = await db.write((q) =>
		q.transaction(async (tx): Promise<RotateOutcome> => {
			const [row] = await tx
				.select({
					usedAt: refreshTokens.usedAt,
					expiresAt: refreshTokens.expiresAt,
					sessionId: sessions.id,
					revokedAt: sessions.revokedAt,
					userId: users.id,
					role: users.role,
				})
				.from(refreshTokens)
				.innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
				.innerJoin(users, eq(users.id, sessions.userId))
				.where(eq(refreshTokens.tokenHash, tokenHash))
				.for("update", { of: refreshTokens })
				.limit(1);
			if (!row) return { ok: false, problem: refreshRefused("invalid_refresh_token", "The refresh token is not valid.") };
			if (row.revokedAt) {
				// Told again each time (idempotent): a revocation whose telling failed once is not left half-done.
				return {
					ok: false,
					problem: refreshRefused("session_revoked", "This session has ended; sign in again."),
					revoked: { userId: row.userId, sessionId: row.sessionId },
				};
			}
			if (row.usedAt) {
				await tx
					.update(sessions)
					.set({ revokedAt: new Date(), revokedReason: "refresh_token_reused" })
					.where(and(eq(sessions.id, row.sessionId), isNull(sessions.revokedAt)));
				return {
					ok: false,
					problem: refreshRefused("refresh_token_reused", "This refresh token was already used; the session is revoked. Sign in again."),
					revoked: { userId: row.userId, sessionId: row.sessionId },
				};
			}
			if (row.expiresAt.getTime() <= Date.now()) {
				return { ok: false, problem: refreshRefused("refresh_token_expired", "The refresh token has expired; sign in again.") };
			}
			await tx.update(refreshTokens).set({ usedAt: new Date() }).where(eq(refreshTokens.tokenHash, tokenHash));
			const token = await issueRefreshToken(tx, env, row.sessionId);
			return { ok: true, token, userId: row.userId, role: row.role, sessionId: row.sessionId };
		}),
	);
	if (!outcome.ok) {
		// A stolen token revoked the session: its access tokens and open sockets stop now, not at their expiry.
		if (outcome.revoked) await sessionEnded(env, outcome.revoked.userId, outcome.revoked.sessionId);
		throw outcome.problem;
	}
	const access = await signAccessToken(env, {
		sub: outcome.userId,
		role: outcome.role,
		sid: outcome.sessionId,
		lsn: await db.consistencyToken(),
	});
	return { accessToken: access.token, refreshToken: outcome.token, tokenType: "Bearer" as const, expiresIn: access.expiresIn };
}

/** Ends the session: its access tokens are refused from now on and its refresh tokens with them. */
export async function endSession(db: RoutedDatabase, sessionId: string): Promise<void> {
	await db.write((q) =>
		q
			.update(sessions)
			.set({ revokedAt: new Date(), revokedReason: "logout" })
			.where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt))),
	);
}
