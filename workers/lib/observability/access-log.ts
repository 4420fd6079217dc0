import type { MiddlewareHandler } from "hono";
import { logger } from "./logger";

/** One structured line per request. The query string is left out: it may carry signed-URL tokens. */
export const accessLog = (): MiddlewareHandler => async (c, next) => {
	const started = Date.now();
	await next();
	logger.info("request", {
		requestId: c.get("requestId"),
		method: c.req.method,
		path: c.req.path,
		status: c.res.status,
		durationMs: Date.now() - started,
		colo: (c.req.raw.cf as { colo?: string } | undefined)?.colo,
	});
};
