import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../app/app-env";
import { record } from "./analytics";
import { logger } from "./logger";

/** Which limiter a 429 came from, by its problem code (for the refusal datapoint). */
const LIMITERS: Record<string, string> = {
	rate_limited: "burst",
	quota_exceeded: "quota",
	too_many_failed_logins: "login",
	transform_budget_exhausted: "transform",
	too_many_open_uploads: "tus_open_uploads",
};

/**
 * A signed media URL carries its token in the path (/cdn/s/<token>/…), and a direct upload URL
 * its secret (/api/uploads/direct/<videoId>.<secret>): logs keep the path but never those, which
 * would let anyone who reads them replay the URL.
 */
export const loggablePath = (path: string) =>
	path.replace(/^\/cdn\/s\/[^/]+\//, "/cdn/s/:token/").replace(/^(\/api\/uploads\/direct\/[^/.]*)\.[^/]*/, "$1.:secret");

/**
 * One structured line per request: route, status, latency, request id and user id, never a
 * credential: the query string is left out (`/ws?token=`, signed image URLs), signed media
 * tokens are cut from the path. The same facts go to Analytics Engine as a datapoint.
 */
export const accessLog = (): MiddlewareHandler<AppEnv> => async (c, next) => {
	const started = Date.now();
	await next();
	const durationMs = Date.now() - started;
	const status = c.res.status;
	const route = routePath(c, -1);
	const problemCode = c.get("problemCode");
	const colo = (c.req.raw.cf as { colo?: string } | undefined)?.colo;
	logger.info("request", {
		requestId: c.get("requestId"),
		method: c.req.method,
		path: loggablePath(c.req.path),
		route,
		status,
		durationMs,
		userId: c.get("auth")?.sub,
		// Which API key acted, for the owner's audit (its id, never the key; a field named *apiKey* would be redacted).
		keyId: c.get("auth")?.apiKey?.id,
		problem: problemCode,
		colo,
	});
	record(c.env, "request", [route, c.req.method, String(status), problemCode, colo, c.env.ENVIRONMENT], [durationMs, status]);
	if (status === 429)
		record(
			c.env,
			"refusal",
			[LIMITERS[problemCode ?? ""] ?? problemCode ?? "unknown", route],
			[Number(c.res.headers.get("retry-after")) || 0],
		);
};
