import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { withStackProblems } from "./request-stack";

/**
 * `createRoute` for operations behind the request stack: their documented
 * problem statuses include those the middleware can answer (STACK_STATUSES).
 *
 * @example const getOne = apiRoute({ method: "get", path: "/api/reels/{id}", ... });
 */
export const apiRoute = <P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(config: R): R =>
	createRoute(withStackProblems(config));
