import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app/app-env";
import { offeredSubprotocols } from "../http/websocket-subprotocols";
import { HttpProblem } from "../problems/http-problem";
import { decideUserQuota, userQuotaFor } from "../rate-limit/hourly-quota";
import { invalidToken, verifyAccessToken } from "./access-token";
import { admitApiKey } from "./api-key-admission";
import type { ApiScope } from "./api-keys";
import { isApiKey } from "./api-keys";
import type { Role } from "./roles";
import { uuidv7Millis } from "./session-gate";
import { gateOf } from "./user-gate-client";

export interface AuthContext {
	/** The signed-in user's id. */
	sub: string;
	sid: string;
	/**
	 * The user's role now: the token's, unless it changed since the token was issued, when the
	 * user's gate has the new one (a role change through the API tells it; user-gate-client.ts).
	 */
	role: Role;
	/** When the access token (or the API key) expires (seconds since the epoch). */
	exp: number;
	/** Set when the caller presented an API key: the key's id and what it may do (api-keys.ts). */
	apiKey?: { id: string; scopes: readonly ApiScope[] };
}

/** The environment of a handler behind `requireAuth()` / `requireRole()`: `c.var.auth` is always there. */
export type SignedInEnv = { Bindings: Env; Variables: AppEnv["Variables"] & { auth: AuthContext } };

/** Where a request may carry its access token. */
export type TokenSources = "header" | "header-or-websocket";

// Auth schemes are case-insensitive (RFC 9110 §11.1); the token is a JWS compact serialisation.
const BEARER = /^bearer +([A-Za-z0-9_\-.]{10,4096})$/i;

/**
 * The access token a request presents, or undefined when it presents none.
 * WebSocket upgrades may also use the `bearer, <token>` subprotocol pair or
 * `?token=`, because browsers cannot set headers on a WebSocket. A header
 * that is present but not a bearer token is a 401, never anonymous.
 */
export function presentedToken(req: Request, sources: TokenSources): string | undefined {
	const header = req.headers.get("authorization");
	if (header !== null) {
		const match = BEARER.exec(header.trim());
		if (!match?.[1]) throw invalidToken("Expected `Authorization: Bearer <access token>`.");
		return match[1];
	}
	// Any WebSocket upgrade may: browsers cannot set headers on one (the live viewers' socket is under /api).
	if (sources === "header" && req.headers.get("upgrade")?.toLowerCase() !== "websocket") return undefined;
	const [first, token] = offeredSubprotocols(req);
	if (first === "bearer" && token) return token;
	return new URL(req.url).searchParams.get("token") ?? undefined;
}

/**
 * Reads the access token when one is presented: verifies the JWT, then asks the
 * user's gate (one Durable Object call, no database) whether its session may
 * still act: not ended (logout, refresh-token reuse) and not issued before a
 * change to the account (role, password). With `quota`, the same call takes the
 * user's hourly quota (hourly-quota.ts reads the decision). An API key (`rk_…`)
 * is asked of its own gate instead (api-key-admission.ts). No token: anonymous.
 * A bad token: 401, never silently anonymous.
 *
 * On an overlapped read (OVERLAPPED_READS) the handler runs while the gate decides, and the
 * response waits for the verdict: a refusal replaces it, so nothing it read reaches the caller.
 */
export const authenticate =
	(sources: TokenSources = "header", { quota = false }: { quota?: boolean } = {}): MiddlewareHandler<AppEnv> =>
	async (c, next) => {
		const token = presentedToken(c.req.raw, sources);
		if (token !== undefined && isApiKey(token)) {
			await admitApiKey(c, token, quota);
		} else if (token !== undefined) {
			const claims = await verifyAccessToken(c.env, token);
			// The token carries the WAL position of its session's creation, so a replica
			// that has not replayed it yet is skipped for this request's reads.
			c.var.db.readAtLeast(claims.lsn);
			const fromJti = uuidv7Millis(claims.jti);
			const issuedAtMs = Number.isFinite(fromJti) ? fromJti : claims.iat * 1000;
			c.var.cost.durableObjects++;
			const asking = gateOf(c.env, claims.sub).admit(claims.sid, issuedAtMs, quota ? userQuotaFor(c) : null);
			if (overlaps(c, claims)) {
				// Settled here so a refusal that arrives while the handler runs is never an unhandled rejection.
				const verdict = asking.then(
					(answer) => ({ answer }),
					(error: unknown) => ({ error }),
				);
				c.set("auth", { sub: claims.sub, sid: claims.sid, role: claims.role, exp: claims.exp });
				c.set("quotaPending", quota);
				const before = new Set(c.res.headers.keys());
				await next();
				const settled = await verdict;
				try {
					if ("error" in settled) throw settled.error;
					admitted(settled.answer, claims.role);
					if (settled.answer.decision) decideUserQuota(c, settled.answer.decision);
				} catch (refusal) {
					// The refusal is answered as if the handler had never run: hono carries the current response's
					// headers over to the next, so what the handler set goes, and the access log names nobody.
					for (const name of [...c.res.headers.keys()]) if (!before.has(name)) c.res.headers.delete(name);
					c.set("auth", undefined);
					if (!("error" in settled)) remember(refusedRecently, claims.sid, Date.now() + REFUSAL_MEMORY_MS);
					throw refusal;
				}
				return;
			}
			const answer = await asking;
			admitted(answer, null);
			c.set("auth", { sub: claims.sub, sid: claims.sid, role: answer.role ?? claims.role, exp: claims.exp });
			if (answer.decision) c.set("userQuota", answer.decision);
		}
		await next();
	};

/**
 * Reads that may run while the user's gate decides: GETs whose handlers only read what the caller
 * may see, and act for nobody (no write on the caller's behalf, no socket, no message). A gate
 * call is a Durable Object round trip, the database another; overlapped, a signed-in read waits
 * for the slower of the two instead of both (docs/architecture.md, "Who is calling").
 */
export const OVERLAPPED_READS: ReadonlySet<string> = new Set(["/api/feed", "/api/feed/for-you", "/api/reels"]);

/** How long a session whose overlapped read was refused (ended, stale, over quota) is asked first again, in this isolate. */
const REFUSAL_MEMORY_MS = 60_000;
const REFUSAL_MEMORY_SIZE = 10_000;
const refusedRecently = new Map<string, number>();

function remember(memory: Map<string, number>, key: string, untilMs: number) {
	memory.delete(key);
	memory.set(key, untilMs);
	if (memory.size > REFUSAL_MEMORY_SIZE) {
		const oldest = memory.keys().next().value;
		if (oldest !== undefined) memory.delete(oldest);
	}
}

// Not for a session refused lately: its reads would run only to be thrown away (a revoked token,
// or an account over its quota, replayed at the burst limit), so those ask the gate first again.
function overlaps(c: { req: { method: string; path: string } }, claims: { sid: string }): boolean {
	if (c.req.method !== "GET" || !OVERLAPPED_READS.has(c.req.path)) return false;
	const until = refusedRecently.get(claims.sid);
	if (until === undefined) return true;
	if (until > Date.now()) return false;
	refusedRecently.delete(claims.sid);
	return true;
}

type GateAnswer = Awaited<ReturnType<ReturnType<typeof gateOf>["admit"]>>;

/**
 * Throws unless the gate lets the session act. `ranAs`: the role an overlapped handler already
 * acted with (the token's); a role changed since then is a 401 to refresh, as the handler's answer
 * may show what that role no longer may see.
 */
function admitted(answer: GateAnswer, ranAs: Role | null) {
	if (answer.session === "revoked") throw invalidToken("The session has ended; sign in again.");
	if (answer.session === "stale") throw invalidToken("The token predates a change to your account; refresh it.");
	if (ranAs !== null && answer.role && answer.role !== ranAs)
		throw invalidToken("Your role changed since this token was issued; refresh it.");
}

const authenticationRequired = () =>
	new HttpProblem(401, "authentication_required", "Sign in first.", {}, { "WWW-Authenticate": 'Bearer realm="reels-edge"' });

/** Any request context, signed in or not (hono's Context is invariant in its env, so the shape is named instead). */
type WithAuth = { var: { auth?: AuthContext } };

/** The signed-in user's id, or null for an anonymous caller (routes that serve both). */
export const viewerOf = (c: WithAuth): string | null => c.var.auth?.sub ?? null;

/** Whether the caller is a signed-in admin. */
export const isAdmin = (c: WithAuth): boolean => c.var.auth?.role === "admin";

/** 401 unless a valid access token was presented; the handler's `c.var.auth` is then typed as present. */
export const requireAuth = (): MiddlewareHandler<SignedInEnv> => async (c, next) => {
	if (!c.get("auth")) throw authenticationRequired();
	await next();
};

/**
 * 401 when anonymous, 403 when signed in without one of `roles`. Enforced here,
 * on the server, whatever the client shows.
 *
 * @example app.get("/api/users", requireRole("admin"), handler)
 */
export const requireRole =
	(...roles: Role[]): MiddlewareHandler<SignedInEnv> =>
	async (c, next) => {
		const auth = c.get("auth");
		if (!auth) throw authenticationRequired();
		if (!roles.includes(auth.role)) throw new HttpProblem(403, "forbidden", `This needs the ${roles.join(" or ")} role.`);
		await next();
	};
