// Password guessing is throttled per account, whatever the address: a botnet
// spreading guesses over many addresses gets LOGIN_FAILURES_PER_ACCOUNT wrong
// tries per 15 minutes, then one more each time a slot frees (a progressive
// delay, OWASP ASVS 2.2.1), never an unbounded stream. Checked before the
// password hash is computed, so a throttled account costs no PBKDF2 work.
// Unknown emails are throttled the same way, so the answer says nothing about
// which accounts exist. The per-address quotas stay on top of this.
import { configOf } from "../config/config";
import { tooManyRequests } from "../problems/http-problem";
import type { Quota } from "./gcra";

const WINDOW_S = 15 * 60;

const quotaOf = (env: Env): Quota => ({ limit: configOf(env).LOGIN_FAILURES_PER_ACCOUNT, periodSeconds: WINDOW_S });
const limiterOf = (env: Env, email: string) => env.RATE_LIMITER.getByName(`login-failures:${email.toLowerCase()}`);

/** 429 with Retry-After while `email` has used up its wrong tries. */
export async function assertMayTryPassword(env: Env, email: string): Promise<void> {
	const d = await limiterOf(env, email).peek(quotaOf(env));
	if (!d.allowed) {
		throw tooManyRequests(
			"too_many_failed_logins",
			`Too many wrong passwords for this account; try again in ${d.retryAfterSeconds}s.`,
			d.retryAfterSeconds,
		);
	}
}

/** Counts one wrong password against `email`. */
export async function recordFailedLogin(env: Env, email: string): Promise<void> {
	await limiterOf(env, email).take(quotaOf(env));
}
