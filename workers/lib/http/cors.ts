import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../app/app-env";
import { configOf } from "../config/config";

/** CORS for the allow-listed origins in CORS_ORIGINS only; other origins get no CORS headers at all. */
export const corsFromConfig = (): MiddlewareHandler<AppEnv> => async (c, next) => {
	// A plain OPTIONS (no preflight headers) is a real request, e.g. tus capability discovery.
	if (c.req.method === "OPTIONS" && !c.req.header("access-control-request-method")) return next();
	const allowed = configOf(c.env).CORS_ORIGINS;
	return cors({
		origin: (origin) => (allowed.includes(origin) ? origin : null),
		credentials: true,
		allowMethods: ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
		allowHeaders: [
			"Authorization",
			"Content-Type",
			"Idempotency-Key",
			"X-Consistency-Token",
			"X-Request-Id",
			// tus
			"Tus-Resumable",
			"Upload-Length",
			"Upload-Offset",
			"Upload-Metadata",
		],
		exposeHeaders: [
			"X-Request-Id",
			"X-Consistency-Token",
			"RateLimit",
			"RateLimit-Policy",
			"Retry-After",
			"Location",
			"Tus-Resumable",
			"Tus-Version",
			"Tus-Extension",
			"Tus-Max-Size",
			"Upload-Offset",
			"Upload-Length",
			"Upload-Metadata",
		],
		maxAge: 600,
	})(c, next);
};
