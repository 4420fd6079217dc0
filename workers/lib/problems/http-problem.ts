import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ProblemCode } from "./problem-codes";

/**
 * The one error type of the API. Thrown anywhere, rendered once by
 * `renderProblem` as RFC 9457 `application/problem+json`.
 *
 * @example throw new HttpProblem(404, "reel_not_found", "No reel with that id")
 */
export class HttpProblem extends Error {
	constructor(
		readonly status: ContentfulStatusCode,
		/** Stable, machine-readable; clients branch on this, never on `title`. */
		readonly code: ProblemCode,
		readonly detail?: string,
		readonly extra: Record<string, unknown> = {},
		readonly headers: Record<string, string> = {},
	) {
		super(detail ?? code);
		this.name = "HttpProblem";
	}
}

/** 400 `validation_failed`, one entry per field that failed: what zod's hook and every hand-made check answer alike. */
export const validationFailed = (errors: { path: string; message: string }[]) =>
	new HttpProblem(400, "validation_failed", "The request did not pass validation.", { errors });

/** 503 with Retry-After: the caller may try again later and nothing was written. */
export const unavailable = (code: ProblemCode, detail: string, retryAfterSeconds: number) =>
	new HttpProblem(503, code, detail, {}, { "Retry-After": String(retryAfterSeconds) });

/** 429 with Retry-After: a limit was reached; the same request succeeds once the wait is over. */
export const tooManyRequests = (code: ProblemCode, detail: string, retryAfterSeconds: number) =>
	new HttpProblem(429, code, detail, {}, { "Retry-After": String(retryAfterSeconds) });
