// A query whose connection went away under it (the server shut down, crashed,
// restarted, or the network dropped) is not a bug in the request: it is the
// database being unavailable for a moment. The fault runs (bench/faults.ts)
// found these answered as 500s while the primary stopped; they are 503s with
// Retry-After, like a connection that could not be made at all. Writes that
// clients retry are idempotent (likes, follows; comments by Idempotency-Key).

/** SQLSTATEs: class 08 (connection exception) and the shutdown family of 57. */
const LOST_CODES = /^(08...|57P01|57P02|57P03)$/;
/** What node-postgres says when the socket closes under a query (it has no SQLSTATE then). */
const LOST_MESSAGES =
	/Connection terminated|connection attempt failed|Client has encountered a connection error|not queryable|ECONNRESET|ECONNREFUSED|socket hang up/i;

/** Whether `err`, or an error it wraps (drizzle wraps the driver's in `cause`), is a lost connection. */
export function isConnectionLost(err: unknown): boolean {
	for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
		const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
		if (typeof code === "string" && LOST_CODES.test(code)) return true;
		if (typeof message === "string" && LOST_MESSAGES.test(message)) return true;
		e = cause;
	}
	return false;
}

/** How long clients are asked to wait, as for a primary that cannot be reached. */
export const CONNECTION_LOST_RETRY_AFTER_S = 5;
