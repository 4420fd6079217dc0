import type { Context } from "hono";
import type { AppEnv } from "../app/app-env";
import { configOf } from "../config/config";
import { HttpProblem } from "../problems/http-problem";
import type { Quota } from "../rate-limit/gcra";
import { invalidToken } from "./access-token";
import { hashApiKey, parseApiKey, scopeFor } from "./api-keys";

const HOUR_S = 3600;
/** A key without an expiry acts as if it expired this far ahead (for what reads `auth.exp`). */
const NO_EXPIRY_S = 365 * 24 * 3600;

/** An account's keys' hourly quota, one budget for all of them and apart from its sessions': a runaway integration cannot lock its owner out. */
export const apiKeyQuota = (env: Env): Quota => ({ limit: configOf(env).QUOTA_API_KEY_PER_HOUR, periodSeconds: HOUR_S });

export const insufficientScope = (scope: string | null) =>
	new HttpProblem(
		403,
		"insufficient_scope",
		scope ? `This API key lacks the ${scope} scope this operation needs.` : "API keys may not do this; sign in as the account instead.",
		{ requiredScope: scope },
	);

/**
 * Admits a request that presents an API key. An operation no key may use is refused before
 * anything is asked (no object call for a stranger's guesses there); otherwise one call to the
 * owner's key gate (no database) says whether the key is live and takes the keys' quota, and the
 * key's scopes must include the operation's. A key acts as its owner with the user role: it never
 * carries an admin's powers.
 */
export async function admitApiKey(c: Context<AppEnv>, key: string, quota: boolean): Promise<void> {
	const parsed = parseApiKey(key);
	if (!parsed) throw invalidToken("Not a valid API key.");
	const scope = scopeFor(c.req.method, c.req.path);
	if (!scope) throw insufficientScope(null);
	c.var.cost.durableObjects++;
	const gate = c.env.API_KEY_GATE.getByName(parsed.ownerId);
	const admitted = await gate.admit(parsed.id, await hashApiKey(key), quota ? apiKeyQuota(c.env) : null);
	if (!admitted) throw invalidToken("The API key is revoked, expired or unknown.");
	if (!admitted.scopes.includes(scope)) throw insufficientScope(scope);
	const exp = admitted.expiresAtMs === null ? Math.floor(Date.now() / 1000) + NO_EXPIRY_S : Math.floor(admitted.expiresAtMs / 1000);
	c.set("auth", { sub: parsed.ownerId, sid: `key:${parsed.id}`, role: "user", exp, apiKey: { id: parsed.id, scopes: admitted.scopes } });
	if (admitted.decision) c.set("userQuota", admitted.decision);
}
