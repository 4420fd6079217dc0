import type { MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../app/app-env";
import { configOf } from "../config/config";
import { HttpProblem } from "../problems/http-problem";
import { CONSISTENCY_COOKIE, CONSISTENCY_COOKIE_MAX_AGE_S, CONSISTENCY_HEADER, LsnSchema } from "./consistency-token";
import { RoutedDatabase } from "./routed-database";

/**
 * Gives each request a lazily-connected RoutedDatabase as `c.var.db`, hands
 * the consistency token back after writes (header for API clients, cookie for
 * browsers) and releases the connections once the response is on its way.
 */
export const postgres = (): MiddlewareHandler<AppEnv> => async (c, next) => {
	const header = c.req.header(CONSISTENCY_HEADER);
	const db = new RoutedDatabase(
		c.env,
		readAfterLsn(header, getCookie(c, CONSISTENCY_COOKIE)),
		(work) => c.executionCtx.waitUntil(work),
		header === undefined ? "cookie" : "header",
	);
	c.set("db", db);
	c.set("cost", { durableObjects: 0 });
	try {
		await next();
		const token = await db.consistencyToken();
		if (token) {
			c.header(CONSISTENCY_HEADER, token);
			setCookie(c, CONSISTENCY_COOKIE, token, {
				httpOnly: true,
				secure: true,
				sameSite: "Lax",
				path: "/",
				maxAge: CONSISTENCY_COOKIE_MAX_AGE_S,
			});
		}
		const read = db.lastReadDecision();
		// Which server answered, and why: for development, tests and benchmarks, never told to production clients.
		if (read && configOf(c.env).ENVIRONMENT !== "production") {
			c.header("x-db-read", "reason" in read ? `${read.source}; reason=${read.reason}` : read.source);
		}
	} finally {
		// What the request cost, refused ones included (the problem response keeps the header).
		if (configOf(c.env).ENVIRONMENT !== "production") {
			const trips = db.roundTrips;
			c.header("x-request-cost", `primary=${trips.primary}, replica=${trips.replica}, do=${c.var.cost.durableObjects}`);
		}
		c.executionCtx.waitUntil(db.close());
	}
};

/** A malformed header is the client's bug (400); a malformed cookie is ignored so a bad cookie cannot lock a browser out. */
function readAfterLsn(header: string | undefined, cookie: string | undefined): string | undefined {
	if (header !== undefined) {
		const parsed = LsnSchema.safeParse(header);
		if (!parsed.success) {
			throw new HttpProblem(400, "invalid_consistency_token", `${CONSISTENCY_HEADER} ${parsed.error.issues[0]?.message}`);
		}
		return parsed.data;
	}
	const fromCookie = cookie === undefined ? undefined : LsnSchema.safeParse(cookie);
	return fromCookie?.success ? fromCookie.data : undefined;
}
