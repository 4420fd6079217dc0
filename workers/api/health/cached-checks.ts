// /health takes no quota (monitors poll it), so its cost must not grow with
// how often it is polled: each isolate checks its dependencies (both Postgres
// servers, D1, R2, the transcoder) at most once per HEALTH_CHECK_TTL_MS. Only a
// settled result is shared: a check in flight belongs to the request that made
// it (the runtime ties its I/O to that request, which may be cancelled), so
// requests arriving while the cache is cold each check. A loop of requests
// costs one check every few seconds per isolate, whatever its rate.
import { type CheckResult, checkD1, checkPrimary, checkR2, checkReplica, checkTranscoder } from "./dependency-checks";

export const HEALTH_CHECK_TTL_MS = 5_000;

export interface Checks {
	d1: CheckResult;
	r2: CheckResult;
	postgresPrimary: CheckResult;
	postgresReplica: CheckResult;
	transcoder: CheckResult;
}

interface Entry {
	at: number;
	checks: Checks;
}

// Keyed by what is checked, so a deployment (or a test) pointing at other servers never reads another's result.
const cache = new Map<string, Entry>();

const keyOf = (env: Env) => [env.HYPERDRIVE.connectionString, env.HYPERDRIVE_REPLICA.connectionString, env.TRANSCODER_URL].join("|");

async function runChecks(env: Env): Promise<Checks> {
	const [d1, r2, postgresPrimary, postgresReplica, transcoder] = await Promise.all([
		checkD1(env),
		checkR2(env),
		checkPrimary(env),
		checkReplica(env),
		checkTranscoder(env),
	]);
	return { d1, r2, postgresPrimary, postgresReplica, transcoder };
}

/** The dependencies' state, at most HEALTH_CHECK_TTL_MS old, and when it was checked. */
export async function cachedChecks(env: Env, nowMs = Date.now()): Promise<{ checks: Checks; checkedAt: string }> {
	const key = keyOf(env);
	let entry = cache.get(key);
	if (!entry || nowMs - entry.at >= HEALTH_CHECK_TTL_MS) {
		entry = { at: nowMs, checks: await runChecks(env) };
		for (const [k, e] of cache) if (nowMs - e.at >= HEALTH_CHECK_TTL_MS) cache.delete(k);
		cache.set(key, entry);
	}
	return { checks: entry.checks, checkedAt: new Date(entry.at).toISOString() };
}
