import { toHex } from "../encoding/bytes";

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Time-ordered,
 * so primary keys and keyset cursors follow creation order.
 *
 * @example const id = uuidv7(); // "019a…-7…"
 */
export function uuidv7(now = Date.now()): string {
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	const ms = BigInt(now);
	for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
	bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70; // version 7
	bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
	const hex = toHex(bytes);
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The creation time (Unix ms) a UUIDv7 carries; undefined for any other UUID (v4, malformed). */
export function uuidv7Time(id: string): number | undefined {
	const m = UUID_V7.exec(id);
	return m ? Number.parseInt(`${m[1]}${m[2]}`, 16) : undefined;
}

/** Tolerated clock difference between the isolate that minted an id and the one reading it. */
const FRESH_ID_SKEW_MS = 2_000;

/**
 * Whether `id` is a UUIDv7 minted within the last `windowMs` (and not in the
 * future beyond a little clock skew): an object that young may not have
 * reached a lagging replica yet.
 */
export function isFreshId(id: string, windowMs: number, now = Date.now()): boolean {
	const t = uuidv7Time(id);
	return t !== undefined && t <= now + FRESH_ID_SKEW_MS && now - t <= windowMs;
}
