// Uncached image transforms cost an R2 read, a decode and an Images binding
// call each, so every client gets a budget of them per hour
// (IMAGE_TRANSFORMS_PER_HOUR, per address, IPv6 by /64). Cache hits and
// variants already kept in R2 are free: a page of thumbnails everyone looks at
// costs nothing, a crawler walking every size of every image runs out.
import type { Context } from "hono";
import type { AppEnv } from "../../lib/app/app-env";
import { configOf } from "../../lib/config/config";
import { tooManyRequests } from "../../lib/problems/http-problem";
import { clientBucket } from "../../lib/rate-limit/client-ip";

const HOUR_S = 3600;

/** Takes one transform from the caller's budget, or answers 429 with Retry-After. */
export async function spendTransform(c: Context<AppEnv>): Promise<void> {
	const limit = configOf(c.env).IMAGE_TRANSFORMS_PER_HOUR;
	const d = await c.env.RATE_LIMITER.getByName(`img-transforms:${clientBucket(c)}`).take({ limit, periodSeconds: HOUR_S });
	if (!d.allowed) {
		throw tooManyRequests(
			"transform_budget_exhausted",
			`This address has used its ${limit} new image sizes for the hour; sizes already made are still served. Try again in ${d.retryAfterSeconds}s.`,
			d.retryAfterSeconds,
		);
	}
}
