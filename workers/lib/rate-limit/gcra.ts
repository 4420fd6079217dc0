// Generic Cell Rate Algorithm: one timestamp per key (the "theoretical arrival
// time"), exact, with bursts up to the whole quota. Pure, so the Durable Object
// that stores the timestamp stays thin.

export interface Quota {
	limit: number;
	periodSeconds: number;
}

export interface GcraDecision {
	allowed: boolean;
	/** Requests still allowed right now. */
	remaining: number;
	/** Seconds until the next request is allowed (0 when allowed). */
	retryAfterSeconds: number;
	/** Seconds until the quota is whole again. */
	resetSeconds: number;
	/** The new stored state (unchanged when refused). */
	tatMs: number;
}

export function gcra(quota: Quota, storedTatMs: number | undefined, nowMs: number): GcraDecision {
	const periodMs = quota.periodSeconds * 1000;
	const intervalMs = periodMs / quota.limit;
	const tat = Math.max(storedTatMs ?? nowMs, nowMs);
	const newTat = tat + intervalMs;
	const allowAt = newTat - periodMs;
	if (nowMs < allowAt) {
		return {
			allowed: false,
			remaining: 0,
			retryAfterSeconds: Math.max(1, Math.ceil((allowAt - nowMs) / 1000)),
			resetSeconds: Math.ceil((tat - nowMs) / 1000),
			tatMs: tat,
		};
	}
	return {
		allowed: true,
		remaining: Math.max(0, Math.floor((periodMs - (newTat - nowMs)) / intervalMs)),
		retryAfterSeconds: 0,
		resetSeconds: Math.ceil((newTat - nowMs) / 1000),
		tatMs: newTat,
	};
}

/**
 * Gives back one request taken earlier (a reservation that turned out not to count): the stored
 * time moves back by one interval, never before now. Undefined when nothing is left to give back.
 */
export function gcraRefund(quota: Quota, storedTatMs: number | undefined, nowMs: number): number | undefined {
	if (storedTatMs === undefined || storedTatMs <= nowMs) return undefined;
	const back = storedTatMs - (quota.periodSeconds * 1000) / quota.limit;
	return back > nowMs ? back : undefined;
}
