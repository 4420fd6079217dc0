import { and, eq } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app/app-env";
import type { RoutedDatabase } from "../postgres/routed-database";
import { sessions, users } from "../postgres/schema";
import { HttpProblem } from "../problems/http-problem";
import { type AccessClaims, invalidToken, type Role, verifyAccessToken } from "./access-token";

export interface AuthContext {
	sub: string;
	sid: string;
	/** The user's role now (from the database), not the one frozen in the token. */
	role: Role;
}

/**
 * Reads `Authorization: Bearer …` when present: verifies the JWT, then checks
 * that its session is not revoked (logout, refresh-token reuse) and takes the
 * current role from the database. Absent header: anonymous. Present but bad:
 * 401, never silently anonymous.
 */
export const authenticate = (): MiddlewareHandler<AppEnv> => async (c, next) => {
	const header = c.req.header("authorization");
	if (header !== undefined) {
		const match = /^Bearer ([A-Za-z0-9_\-.]{10,4096})$/.exec(header);
		if (!match?.[1]) throw invalidToken("Expected `Authorization: Bearer <access token>`.");
		const claims = await verifyAccessToken(c.env, match[1]);
		// The token carries the WAL position of its session's creation, so a replica
		// that has not replayed it yet is skipped for this request's reads.
		c.var.db.readAtLeast(claims.lsn);
		const role = await sessionIsLive(c.var.db, claims);
		if (!role) throw invalidToken("The session has ended; sign in again.");
		c.set("auth", { sub: claims.sub, sid: claims.sid, role });
	}
	await next();
};

const authenticationRequired = () =>
	new HttpProblem(401, "authentication_required", "Sign in first.", {}, { "WWW-Authenticate": 'Bearer realm="reels-edge"' });

/** The user's current role if the token's session is live (not revoked, user still there), else undefined. */
export async function sessionIsLive(db: RoutedDatabase, claims: Pick<AccessClaims, "sid" | "sub">): Promise<Role | undefined> {
	const [row] = await db.read((q) =>
		q
			.select({ revokedAt: sessions.revokedAt, role: users.role })
			.from(sessions)
			.innerJoin(users, eq(users.id, sessions.userId))
			.where(and(eq(sessions.id, claims.sid), eq(sessions.userId, claims.sub)))
			.limit(1),
	);
	return row && !row.revokedAt ? row.role : undefined;
}

/** 401 unless a valid access token was presented. */
export const requireAuth = (): MiddlewareHandler<AppEnv> => async (c, next) => {
	if (!c.var.auth) throw authenticationRequired();
	await next();
};

/**
 * 401 when anonymous, 403 when signed in without one of `roles`. Enforced here,
 * on the server, whatever the client shows.
 *
 * @example app.get("/api/users", requireRole("admin"), handler)
 */
export const requireRole =
	(...roles: Role[]): MiddlewareHandler<AppEnv> =>
	async (c, next) => {
		if (!c.var.auth) throw authenticationRequired();
		if (!roles.includes(c.var.auth.role)) throw new HttpProblem(403, "forbidden", `This needs the ${roles.join(" or ")} role.`);
		await next();
	};
