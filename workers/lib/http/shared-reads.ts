// Anonymous reads of public data are what a crowd makes: thousands of people opening one viral
// reel, the newest list, a popular profile. Every anonymous caller gets the same bytes, so one
// answer serves them all for a moment. A read served here costs no database round trip, no Durable
// Object call and no connection: the isolate's CPU for a lookup, instead of a Postgres handshake,
// a query and the hourly quota's object (docs/benchmarks.md, "CPU per request").
//
// What is shared, and with whom:
//   - only what a route marks with `shareWithAnonymous(c)`, only for a caller without credentials,
//     and only a 200 without cookies: nothing a signed-in person sees (their likes, follows,
//     followers-only reels, blocks) can reach anyone else;
//   - a request that asks for fresh data (a consistency token after a write, `Cache-Control:
//     no-cache`) skips it and pays for its read, quotas included;
//   - per isolate, in memory, for at most SHARED_READ_SECONDS (2 s in production), within a byte
//     budget. A takedown or an edit is seen by every anonymous reader within that time; the isolate that
//     made the change forgets at once (`forgetSharedReads`). Media bytes are not here: their access
//     and purges are the CDN's (docs/security.md).
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../app/app-env";
import { configOf } from "../config/config";
import { CONSISTENCY_COOKIE, CONSISTENCY_HEADER } from "../postgres/consistency-token";

/** One answer shared by anonymous readers. */
interface SharedRead {
	body: ArrayBuffer;
	contentType: string;
	/** What it counts against the byte budget: body, key and overhead. */
	cost: number;
	storedAt: number;
	/** Until then it is answered as it is; after, one request at a time asks the database again. */
	freshUntil: number;
	/** Never answered from here on. */
	expiresAt: number;
	/** When a request set out to replace it (after `freshUntil`); the others are answered with it meanwhile. */
	refreshingSince?: number;
}

/** The most one isolate keeps (its memory limit is 128 MB), keys and bookkeeping counted; the oldest answers go first. */
export const SHARED_READS_MAX_BYTES = 8 * 1024 * 1024;
/** Answers kept at most, however small: a stranger's padded URLs cannot pin memory in tiny entries. */
export const SHARED_READS_MAX_ENTRIES = 4096;
/** What an entry costs beyond its body and key (the Map slot, the record, the content type). */
const ENTRY_OVERHEAD_BYTES = 256;
/** A larger answer is not kept: a page of reels is a few kilobytes. */
export const SHARED_READ_MAX_ENTRY_BYTES = 256 * 1024;

/**
 * The answers of one isolate, by URL: expiring, and bounded in bytes (oldest stored, first evicted).
 * An answer is fresh for the first half of its life; in the second half the first request to ask
 * refreshes it from the database while the others are still answered with it, so a crowd sends one
 * read per answer to the database, not one per request in flight when it went stale. Requests
 * cannot wait on each other's work in the Workers runtime (docs/architecture.md), hence the stale
 * answer rather than a shared promise. No answer is ever older than its whole life.
 */
export class SharedReads {
	private readonly entries = new Map<string, SharedRead>();
	private bytes = 0;
	/** Moves on at every `clear()`: an answer read before a change must not be kept after it. */
	private generationCount = 0;

	constructor(
		private readonly maxBytes = SHARED_READS_MAX_BYTES,
		private readonly now: () => number = Date.now,
		private readonly maxEntries = SHARED_READS_MAX_ENTRIES,
	) {}

	get size(): number {
		return this.entries.size;
	}

	get generation(): number {
		return this.generationCount;
	}

	/** The answer to give, or undefined when this request is to ask the database (and, if shareable, `put` what it got). */
	get(key: string): SharedRead | undefined {
		const entry = this.entries.get(key);
		if (!entry) return undefined;
		const now = this.now();
		if (entry.expiresAt <= now) {
			this.remove(key, entry);
			return undefined;
		}
		if (entry.freshUntil > now || entry.refreshingSince !== undefined) return entry;
		entry.refreshingSince = now;
		return undefined;
	}

	/** The refresh found nothing to share (a reel deleted, hidden, or an error): the old answer goes too. */
	delete(key: string): void {
		const entry = this.entries.get(key);
		if (entry) this.remove(key, entry);
	}

	/** A refresh that did not finish (its request failed further on): the next asker refreshes instead. */
	abandonRefresh(key: string): void {
		const entry = this.entries.get(key);
		if (entry) entry.refreshingSince = undefined;
	}

	/** Keeps an answer read while the generation was `readAt` (none, if a change came in between). */
	put(key: string, body: ArrayBuffer, contentType: string, ttlMs: number, readAt = this.generationCount): boolean {
		if (readAt !== this.generationCount) return false;
		const cost = body.byteLength + key.length * 2 + ENTRY_OVERHEAD_BYTES;
		if (body.byteLength > SHARED_READ_MAX_ENTRY_BYTES || cost > this.maxBytes) return false;
		const old = this.entries.get(key);
		if (old) this.remove(key, old);
		const now = this.now();
		this.entries.set(key, { body, contentType, cost, storedAt: now, freshUntil: now + ttlMs / 2, expiresAt: now + ttlMs });
		this.bytes += cost;
		// Oldest first: expired ones, then whatever the budget needs (insertion order is expiry order, one TTL for all).
		for (const [oldest, entry] of this.entries) {
			if (this.bytes <= this.maxBytes && this.entries.size <= this.maxEntries && entry.expiresAt > now) break;
			this.remove(oldest, entry);
		}
		return true;
	}

	clear(): void {
		this.entries.clear();
		this.bytes = 0;
		this.generationCount++;
	}

	private remove(key: string, entry: SharedRead) {
		this.entries.delete(key);
		this.bytes -= entry.cost;
	}
}

/** The request's key when it may be answered from, and fill, the shared reads: an anonymous GET that does not ask for fresh data. */
function sharedKey(c: Context<AppEnv>): string | undefined {
	const req = c.req.raw;
	if (req.method !== "GET" || req.headers.has("authorization") || req.headers.has("upgrade")) return undefined;
	// Read-your-writes: whoever just wrote reads past the replica's lag, and past this too.
	if (req.headers.has(CONSISTENCY_HEADER) || getCookie(c, CONSISTENCY_COOKIE) !== undefined) return undefined;
	if (/no-cache|no-store|max-age=0/i.test(req.headers.get("cache-control") ?? "")) return undefined;
	return req.url;
}

/**
 * In the request stack after the burst limit and before the database: answers an anonymous read
 * from `reads` when it can, and keeps what the route marked shareable. Every request gets
 * `c.var.sharedReads`, so a change anonymous readers would see can forget them.
 */
export const sharedReadCache =
	(reads: SharedReads): MiddlewareHandler<AppEnv> =>
	async (c, next) => {
		c.set("sharedReads", reads);
		const config = configOf(c.env);
		const seconds = config.SHARED_READ_SECONDS;
		const key = seconds > 0 ? sharedKey(c) : undefined;
		if (key === undefined) return next();
		const hit = reads.get(key);
		if (hit) {
			const headers: Record<string, string> = {
				"content-type": hit.contentType,
				age: String(Math.floor((Date.now() - hit.storedAt) / 1000)),
				"x-shared-read": "hit",
			};
			if (config.ENVIRONMENT !== "production") headers["x-request-cost"] = "primary=0, replica=0, do=0";
			return c.body(hit.body, 200, headers);
		}
		const readAt = reads.generation;
		try {
			await next();
		} catch (err) {
			// Refused further on (a quota, a bad token): this request refreshes nothing.
			reads.abandonRefresh(key);
			throw err;
		}
		const res = c.res;
		if (!c.var.shareable || res.status !== 200 || res.headers.has("set-cookie")) {
			reads.delete(key);
			return;
		}
		const kept = reads.put(
			key,
			await res.clone().arrayBuffer(),
			res.headers.get("content-type") ?? "application/json",
			seconds * 1000,
			readAt,
		);
		if (kept) c.header("x-shared-read", "miss");
	};

/** Marks this response as the same for every anonymous caller (a no-op for a signed-in one): the shared reads may keep it. */
export function shareWithAnonymous(c: { var: { auth?: unknown }; set: (key: "shareable", value: boolean) => void }): void {
	if (c.var.auth === undefined) c.set("shareable", true);
}

/** A change anonymous readers would see (a reel edited, hidden or deleted; a profile edited): this isolate forgets what it shared. */
export function forgetSharedReads(c: { var: { sharedReads?: SharedReads } }): void {
	c.var.sharedReads?.clear();
}
