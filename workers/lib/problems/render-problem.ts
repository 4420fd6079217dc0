import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { loggablePath } from "../observability/access-log";
import { logger } from "../observability/logger";
import { CONNECTION_LOST_RETRY_AFTER_S, isConnectionLost } from "../postgres/connection-lost";
import { HttpProblem, unavailable } from "./http-problem";
import type { ProblemCode } from "./problem-codes";

const TITLES: Partial<Record<number, string>> = {
	400: "Bad Request",
	401: "Unauthorized",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	409: "Conflict",
	410: "Gone",
	412: "Precondition Failed",
	413: "Content Too Large",
	415: "Unsupported Media Type",
	416: "Range Not Satisfiable",
	422: "Unprocessable Content",
	426: "Upgrade Required",
	429: "Too Many Requests",
	500: "Internal Server Error",
	503: "Service Unavailable",
};

export function problemResponse(c: Context, problem: HttpProblem): Response {
	const body = {
		type: `https://reels-edge.dev/problems/${problem.code}`,
		title: TITLES[problem.status] ?? "Error",
		status: problem.status,
		code: problem.code,
		...(problem.detail ? { detail: problem.detail } : {}),
		instance: c.req.path,
		requestId: c.get("requestId"),
		...problem.extra,
	};
	// Through the context, so headers other middleware set (x-request-id) stay, and the
	// problem's own (Retry-After, RateLimit) replace any earlier value of the same name.
	for (const [name, value] of Object.entries(problem.headers)) c.header(name, value);
	c.set("problemCode", problem.code);
	return c.body(JSON.stringify(body), problem.status, { "content-type": "application/problem+json" });
}

/** hono's own HTTPExceptions mapped to our codes (anything else it throws is a malformed request). */
const HTTP_EXCEPTION_CODES: Partial<Record<number, ProblemCode>> = {
	400: "malformed_request",
	405: "method_not_allowed",
	413: "body_too_large",
	415: "unsupported_media_type",
};

/** `app.onError`: known problems keep their status; anything else is a logged, generic 500. */
export function renderProblem(err: Error, c: Context): Response {
	if (err instanceof HttpProblem) return problemResponse(c, err);
	if (err instanceof HTTPException) {
		// hono's own middleware (body limit, etc.) throws these with a ready status.
		// e.g. hono's JSON validator: 400 "Malformed JSON in request body".
		const status = err.status as ContentfulStatusCode;
		return problemResponse(c, new HttpProblem(status, HTTP_EXCEPTION_CODES[status] ?? "malformed_request", err.message || undefined));
	}
	if (isConnectionLost(err)) {
		logger.warn("database_connection_lost", {
			requestId: c.get("requestId"),
			path: loggablePath(c.req.path),
			error: err.message.slice(0, 200),
		});
		return problemResponse(
			c,
			unavailable("database_unavailable", "The database went away mid-request; try again.", CONNECTION_LOST_RETRY_AFTER_S),
		);
	}
	logger.error("unhandled_error", {
		requestId: c.get("requestId"),
		path: loggablePath(c.req.path),
		error: err.message,
		stack: err.stack,
	});
	return problemResponse(c, new HttpProblem(500, "internal_error", "Something went wrong on our side."));
}
