// One URL length limit for every surface, answered as a problem like any other
// error. Without it the answer depended on which layer gave up first: the
// local runtime answered 414 as text/plain past ~64 KiB, and Cloudflare's edge
// answers its own 414 page past 32 KB (docs/operations.md, "Request limits").
// Nothing this platform issues comes near: the longest real URLs are signed
// media paths and cursors, a few hundred characters.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app/app-env";
import { HttpProblem } from "../problems/http-problem";

export const MAX_URL_CHARS = 16_384;

export const refuseLongUrl = (): MiddlewareHandler<AppEnv> => async (c, next) => {
	if (c.req.url.length > MAX_URL_CHARS) {
		throw new HttpProblem(414, "uri_too_long", `URLs are limited to ${MAX_URL_CHARS} characters.`);
	}
	await next();
};
