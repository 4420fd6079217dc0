import type { MiddlewareHandler } from "hono";
import { every } from "hono/combine";
import { authenticate, type TokenSources } from "../auth/authenticate";
import { refuseNulInUrl } from "../http/refuse-nul";
import { type SharedReads, sharedReadCache } from "../http/shared-reads";
import { postgres } from "../postgres/postgres-middleware";
import { problemResponses } from "../problems/problem-schema";
import { burstLimit } from "../rate-limit/burst-limit";
import { hourlyQuota } from "../rate-limit/hourly-quota";
import type { AppEnv } from "./app-env";

/**
 * The middleware in front of every API request (`/api/*`, `/ws`, uploads and
 * deletes under `/cdn`), built here once. Order matters: the cheap edge limit
 * first, then an anonymous read the isolate already answered (no database, no
 * quota: lib/http/shared-reads.ts), then the database handle, then who the
 * caller is, then the quota that depends on it.
 */
export const requestStack = (tokens: TokenSources, reads: SharedReads): MiddlewareHandler<AppEnv> =>
	every(refuseNulInUrl(), burstLimit(), sharedReadCache(reads), postgres(), authenticate(tokens, { quota: true }), hourlyQuota());

/**
 * The problem statuses any request through `requestStack` can get, whatever
 * its route: 400 (a malformed consistency token), 401 (a bad access token or
 * API key), 403 (an API key without the scope the operation needs), 429
 * (burst limit or hourly quota) and 503 (no database reachable). Every
 * operation behind the stack declares them, so the OpenAPI document follows
 * from the middleware rather than from memory.
 */
export const STACK_STATUSES = [400, 401, 403, 429, 503] as const;

/** Adds the stack's problem statuses to a route's declared responses (the route's own entries win). */
export function withStackProblems<R extends { responses: object }>(route: R): R {
	return { ...route, responses: { ...problemResponses(...STACK_STATUSES), ...route.responses } };
}
