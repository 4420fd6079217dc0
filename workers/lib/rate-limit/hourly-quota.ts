import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app/app-env";
import { apiKeyQuota } from "../auth/api-key-admission";
import { viewerOf } from "../auth/authenticate";
import { configOf } from "../config/config";
import { HttpProblem } from "../problems/http-problem";
import { clientBucket } from "./client-ip";
import type { GcraDecision, Quota } from "./gcra";

const HOUR_S = 3600;

type QuotaKind = "anonymous" | "user" | "auth" | "playback";

function quotaFor(c: Context<AppEnv>, kind: QuotaKind): { key: string; quota: Quota; policy: string } {
	const config = configOf(c.env);
	switch (kind) {
		case "user":
			// An API key's request took its account's keys' quota in the key gate (api-key-admission.ts).
			if (c.var.auth?.apiKey) return { key: `keys:${viewerOf(c)}`, quota: apiKeyQuota(c.env), policy: "api-key-hourly" };
			if (isPlaybackPath(c.req.path)) return { key: `user:${viewerOf(c)}`, quota: playbackQuota(c.env), policy: "playback-hourly" };
			return { key: `user:${viewerOf(c)}`, quota: userQuota(c.env), policy: "user-hourly" };
		case "playback":
			return {
				key: `ip:${clientBucket(c)}:playback`,
				quota: playbackQuota(c.env),
				policy: "playback-hourly",
			};
		case "auth":
			return {
				key: `ip:${clientBucket(c)}:auth`,
				quota: { limit: config.QUOTA_AUTH_PER_HOUR, periodSeconds: HOUR_S },
				policy: "auth-hourly",
			};
		default:
			return {
				key: `ip:${clientBucket(c)}`,
				quota: { limit: config.QUOTA_ANON_PER_HOUR, periodSeconds: HOUR_S },
				policy: "anonymous-hourly",
			};
	}
}

/** IETF RateLimit / RateLimit-Policy fields (draft-ietf-httpapi-ratelimit-headers). */
function setHeaders(c: Context<AppEnv>, policy: string, quota: Quota, d: GcraDecision) {
	c.header("RateLimit-Policy", `"${policy}";q=${quota.limit};w=${quota.periodSeconds}`);
	c.header("RateLimit", `"${policy}";r=${d.remaining};t=${d.allowed ? d.resetSeconds : d.retryAfterSeconds}`);
}

/** The signed-in user's hourly quota: taken by the user's gate, in the call that checks the session (authenticate). */
export const userQuota = (env: Env): Quota => ({ limit: configOf(env).QUOTA_USER_PER_HOUR, periodSeconds: HOUR_S });

/**
 * A player's reports (POST /api/playback) have a budget of their own, per account or per
 * address: a person watching for an hour sends one every few seconds, which must not eat the
 * quota their browsing needs (100 an hour for an address), and a flood of reports cannot spend it
 * either. The user's gate keeps it in its own bucket.
 */
const playbackQuota = (env: Env): Quota & { bucket: string } => ({
	limit: configOf(env).QUOTA_PLAYBACK_PER_HOUR,
	periodSeconds: HOUR_S,
	bucket: "playback",
});

const isPlaybackPath = (path: string) => path === "/api/playback";

/** The quota the user's gate takes for this request: its own bucket for playback reports, else the user's. */
export const userQuotaFor = (c: Context<AppEnv>): Quota => (isPlaybackPath(c.req.path) ? playbackQuota(c.env) : userQuota(c.env));

async function take(c: Context<AppEnv>, kind: QuotaKind) {
	let decision = kind === "user" ? c.var.userQuota : undefined;
	if (!decision) {
		c.var.cost.durableObjects++;
		const { key, quota } = quotaFor(c, kind);
		decision = await c.env.RATE_LIMITER.getByName(key).take(quota);
	}
	decide(c, kind, decision);
}

/** 429 when `decision` refuses the request, else its RateLimit fields on the response. */
function decide(c: Context<AppEnv>, kind: QuotaKind, decision: GcraDecision) {
	const { quota, policy } = quotaFor(c, kind);
	if (!decision.allowed) {
		throw new HttpProblem(
			429,
			"quota_exceeded",
			`The ${policy} quota of ${quota.limit} requests is used up; retry in ${decision.retryAfterSeconds}s.`,
			{},
			{
				"Retry-After": String(decision.retryAfterSeconds),
				"RateLimit-Policy": `"${policy}";q=${quota.limit};w=${quota.periodSeconds}`,
				RateLimit: `"${policy}";r=0;t=${decision.retryAfterSeconds}`,
			},
		);
	}
	setHeaders(c, policy, quota, decision);
}

/** The user's quota decision that arrived after an overlapped read ran (authenticate.ts): 429, or its RateLimit fields. */
export const decideUserQuota = (c: Context<AppEnv>, decision: GcraDecision) => decide(c, "user", decision);

/** Hourly quota per user when signed in, per IP otherwise. Runs after authentication. */
export const hourlyQuota = (): MiddlewareHandler<AppEnv> => async (c, next) => {
	if (!c.var.auth && isDirectUploadPath(c.req.path)) return next();
	// Taken by the gate call still on its way; authenticate() decides once it answers.
	if (c.var.auth && c.var.quotaPending) return next();
	await take(c, c.var.auth ? "user" : isPlaybackPath(c.req.path) ? "playback" : "anonymous");
	await next();
};

/**
 * A direct upload URL (cdn/tus/direct-uploads.ts) is used by a creator's browser without a
 * credential: a 500 MiB video is a hundred 5 MiB PATCHes, which the address's anonymous quota
 * (shared with everyone behind the same NAT, and with the person's own browsing) would cut off
 * half way. What one URL may cost is bounded by the URL itself (one upload, its size limit, the
 * owner's storage quota), and the burst limit still counts every request.
 */
const isDirectUploadPath = (path: string) => path.startsWith("/api/uploads/direct/");

/** The stricter per-IP quota for credential endpoints (login, register), on top of the general one. */
export const credentialQuota = (): MiddlewareHandler<AppEnv> => async (c, next) => {
	await take(c, "auth");
	await next();
};
