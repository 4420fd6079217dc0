import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { requireAuth, requireRole, type SignedInEnv } from "../auth/authenticate";
import type { Role } from "../auth/roles";
import type { AppEnv } from "./app-env";
import { withStackProblems } from "./request-stack";

/**
 * `createRoute` for operations behind the request stack: their documented
 * problem statuses include those the middleware can answer (STACK_STATUSES).
 *
 * @example const getOne = apiRoute({ method: "get", path: "/api/reels/{id}", ... });
 */
export const apiRoute = <P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(config: R): R =>
	createRoute(withStackProblems(config));

/**
 * The route entries of a signed-in operation: its documented security and the
 * middleware that enforces it, declared together so they cannot disagree.
 * More middleware (e.g. `jsonBody()`) runs after the check.
 *
 * @example apiRoute({ method: "post", path: "/api/reels", ...signedIn(jsonBody()), ... })
 */
export const signedIn = <M extends MiddlewareHandler<AppEnv>[]>(...more: M) => ({
	security: [{ bearer: [] }],
	middleware: [requireAuth(), ...more] as [MiddlewareHandler<SignedInEnv>, ...M],
});

/** Like `signedIn`, for operations that need one of `roles` (401 anonymous, 403 without the role). */
export const withRole = <M extends MiddlewareHandler<AppEnv>[]>(role: Role, ...more: M) => ({
	security: [{ bearer: [] }],
	middleware: [requireRole(role), ...more] as [MiddlewareHandler<SignedInEnv>, ...M],
});
