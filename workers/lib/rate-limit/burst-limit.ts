import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app/app-env";
import { HttpProblem } from "../problems/http-problem";
import { clientBucket } from "./client-ip";

/** Matches `simple.period` of BURST_LIMITER in wrangler.toml (the binding allows 10 or 60). */
const BURST_PERIOD_S = 10;

/**
 * Short-burst protection per client IP through the Workers rate-limit
 * binding (counters live at the edge, no storage round trip). Hourly quotas
 * per user are a separate, Durable Object backed limiter.
 */
export const burstLimit = (): MiddlewareHandler<AppEnv> => async (c, next) => {
	const { success } = await c.env.BURST_LIMITER.limit({ key: `ip:${clientBucket(c)}` });
	if (!success) {
		throw new HttpProblem(
			429,
			"rate_limited",
			"Too many requests in a short time; slow down.",
			{},
			{ "Retry-After": String(BURST_PERIOD_S) },
		);
	}
	await next();
};
