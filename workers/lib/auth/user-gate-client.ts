// The Worker's side of the UserGate (durable-objects/user-gate.ts): what ends a
// session or changes an account tells the user's gate, so every access token
// already out is refused at once, everywhere, without a database read per request.
import { configOf } from "../config/config";
import { CLOCK_SKEW_S } from "./access-token";
import type { Role } from "./roles";

export const gateOf = (env: Env, userId: string) => env.USER_GATE.getByName(userId);

/** How long an access token issued now can be accepted: what the gate must remember. */
const tokenLifetimeMs = (env: Env) => (configOf(env).ACCESS_TOKEN_TTL_SECONDS + 2 * CLOCK_SKEW_S) * 1000;

/** The session ended (logout, refresh-token reuse): its access tokens stop working at once. */
export async function refuseSession(env: Env, userId: string, sessionId: string): Promise<void> {
	await gateOf(env, userId).revokeSession(sessionId, Date.now() + tokenLifetimeMs(env));
}

/** The account changed (role, password): access tokens issued before now stop working; a refresh gets a current one. */
export async function refuseTokensIssuedBefore(env: Env, userId: string, atMs = Date.now()): Promise<void> {
	await gateOf(env, userId).refuseTokensBefore(atMs, Date.now() + tokenLifetimeMs(env));
}

/**
 * The user's role changed (at `atMs`, taken before the database write): every token issued before
 * then acts with it at once; tokens issued after carry it already (a refresh reads the primary).
 */
export async function announceRole(env: Env, userId: string, role: Role, atMs = Date.now()): Promise<void> {
	await gateOf(env, userId).setRole(role, atMs, Date.now() + tokenLifetimeMs(env));
}
