// Password guessing is throttled per account, whatever the address: a botnet
// spreading guesses over many addresses gets LOGIN_FAILURES_PER_ACCOUNT wrong
// tries per 15 minutes, then one more each time a slot frees (a progressive
// delay, OWASP ASVS 2.2.1), never an unbounded stream. Every attempt takes its
// slot before the password hash is computed, in the account's RateLimiter
// object (single-writer, so 50 guesses arriving at once from 50 addresses get
// exactly the configured number of slots, and the rest no PBKDF2 work); a right
// password gives its slot back. Unknown emails are throttled the same way, so
// the answer says nothing about which accounts exist. The per-address quotas
// stay on top of this.
import { configOf } from "../config/config";
import { tooManyRequests } from "../problems/http-problem";
import type { Quota } from "./gcra";

const WINDOW_S = 15 * 60;

const quotaOf = (env: Env): Quota => ({ limit: configOf(env).LOGIN_FAILURES_PER_ACCOUNT, periodSeconds: WINDOW_S });
const limiterOf = (env: Env, email: string) => env.RATE_LIMITER.getByName(`login-failures:${email.toLowerCase()}`);

/** Takes one of `email`'s password tries before the hash is checked: 429 with Retry-After when none is left. */
export async function reservePasswordTry(env: Env, email: string): Promise<void> {
	const d = await limiterOf(env, email).take(quotaOf(env));
	if (!d.allowed) {
		throw tooManyRequests(
			"too_many_failed_logins",
			`Too many wrong passwords for this account; try again in ${d.retryAfterSeconds}s.`,
			d.retryAfterSeconds,
		);
	}
}

/** A right password: its try does not count against the account. */
export async function refundPasswordTry(env: Env, email: string): Promise<void> {
	await limiterOf(env, email).refund(quotaOf(env));
}
