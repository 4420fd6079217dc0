// Read-your-writes between a primary and a lagging replica. After a write the
// response carries the primary's WAL position (an LSN such as "0/16B3748");
// a later read carrying it is served by the replica only once the replica
// has replayed that far. See docs/architecture.md#read-your-writes.
import { z } from "zod";

export const CONSISTENCY_HEADER = "x-consistency-token";
export const CONSISTENCY_COOKIE = "reels_lsn";
/** How long a browser keeps the token: longer than any lag we tolerate on a replica. */
export const CONSISTENCY_COOKIE_MAX_AGE_S = 300;

export const LsnSchema = z
	.string()
	.max(17)
	.regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i, "must be a WAL position like 0/16B3748");

/** Orders two LSNs without a database round trip (used to keep the newest of several writes). */
export function compareLsn(a: string, b: string): number {
	const [ah = "0", al = "0"] = a.split("/");
	const [bh = "0", bl = "0"] = b.split("/");
	const ax = (BigInt(`0x${ah}`) << 32n) + BigInt(`0x${al}`);
	const bx = (BigInt(`0x${bh}`) << 32n) + BigInt(`0x${bl}`);
	return ax === bx ? 0 : ax > bx ? 1 : -1;
}
