import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import type { AppEnv } from "../app/app-env";
import { HttpProblem } from "../problems/http-problem";
import { refuseNulInJson } from "./refuse-nul";

/** Default ceiling for small JSON bodies (auth, profile edits). */
export const SMALL_JSON_BYTES = 16 * 1024;

const requireJsonContentType: MiddlewareHandler = async (c, next) => {
	const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
	if (type !== "application/json") {
		throw new HttpProblem(415, "unsupported_media_type", "Send the body as application/json.", {}, { "Accept-Post": "application/json" });
	}
	await next();
};

/**
 * For routes that take JSON: 415 for any other content type, 413 past
 * `maxBytes`. hono's bodyLimit refuses at once when Content-Length says more;
 * without one (chunked) it reads the body counting bytes and refuses past the
 * limit, so at most `maxBytes` are ever buffered. A Content-Length that
 * understates the body is not counted: the runtime itself ends the body at
 * the declared length. Then any string holding U+0000 is refused (refuse-nul.ts).
 */
export const jsonBody = (maxBytes = SMALL_JSON_BYTES): MiddlewareHandler<AppEnv> =>
	every(
		requireJsonContentType,
		bodyLimit({
			maxSize: maxBytes,
			onError: () => {
				throw new HttpProblem(413, "body_too_large", `The body is larger than ${maxBytes} bytes.`);
			},
		}),
		refuseNulInJson(),
	);
