// The transactional outbox for events a write promises to send (NEW_REEL,
// REEL_LIKED, NEW_FOLLOWER, NEW_COMMENT to people; reel.created and the like to
// webhook endpoints). The row is inserted in the same
// transaction as the write, so a committed like always has its event; it is
// delivered right after the response (waitUntil) and, should that be cut
// short, by the every-minute cron. publish()'s dedupe key (the outbox id,
// or a key the feature chose) makes a second delivery of the same row a no-op.
import { sql } from "drizzle-orm";
import { uuidv7 } from "../lib/ids/uuidv7";
import { logger } from "../lib/observability/logger";
import { type Db, type RoutedDatabase, withDatabase } from "../lib/postgres/routed-database";
import { outbox } from "../lib/postgres/schema";
import { announceToWebhooks, type WebhookAnnouncement } from "../webhooks/webhook-events";
import type { UserEventType } from "./events";
import { publish } from "./publish";

export interface UserMessage {
	/** Explicit recipients, or every follower of a user (resolved when delivered). */
	to: { userIds: string[] } | { followersOf: string };
	type: UserEventType;
	data: unknown;
	/** At most one delivery per recipient per key; defaults to the outbox row id. */
	dedupeKey?: string;
}

/** An event for the owner's webhook endpoints (webhooks/webhook-events.ts), fanned out when drained. */
export interface WebhookMessage {
	webhook: WebhookAnnouncement;
}

export type OutboxMessage = UserMessage | WebhookMessage;

/** A claimed row stays claimed this long; a drain that dies leaves it for the next one. */
const CLAIM_SECONDS = 60;
const DRAIN_BATCH = 50;
/** Batches one cron run may drain (250 rows: well inside an invocation's subrequest limit). */
const CRON_DRAIN_BATCHES = 5;
const FOLLOWER_PAGE = 5000;

/** Where a write with events runs: its database, and how to wait for the delivery after commit. */
export interface EventContext {
	db: RoutedDatabase;
	env: Env;
	/** Takes the delivery promise: `ctx.waitUntil` in a request; omitted, the delivery is awaited. */
	defer?: (delivery: Promise<unknown>) => void;
}

/** Records an event inside the write's transaction. */
export type Emit = (message: OutboxMessage) => Promise<void>;

/**
 * The one way to write with events: `fn` runs in a transaction on the
 * primary, every event it emits is stored in the outbox by the same
 * transaction (so a committed like always has its REEL_LIKED), and once it
 * commits the events are delivered (after the response, in a request).
 *
 * @example const state = await writeWithEvents(events, async (tx, emit) => { …; await emit({ to, type, data }); return state; });
 */
export async function writeWithEvents<T>(ctx: EventContext, fn: (tx: Db, emit: Emit) => Promise<T>): Promise<T> {
	const ids: string[] = [];
	const result = await ctx.db.write((q) =>
		q.transaction((tx) =>
			fn(tx, async (message) => {
				ids.push(await enqueueEvent(tx, message));
			}),
		),
	);
	await deliverAfterCommit(ctx, ids);
	return result;
}

/**
 * Delivers outbox rows a committed write stored: after the response in a request (the cron
 * catches any that this misses). For writes that store their event in their own statement
 * rather than through writeWithEvents (a like: engagement-store.ts).
 */
export async function deliverAfterCommit(ctx: EventContext, ids: string[]): Promise<void> {
	if (ids.length === 0) return;
	const delivery = drainOutbox(ctx.env, ids);
	if (ctx.defer) ctx.defer(delivery);
	else await delivery;
}

/** Adds a message inside the caller's transaction; returns its id for `drainOutbox`. */
export async function enqueueEvent(tx: Pick<Db, "insert">, message: OutboxMessage): Promise<string> {
	const id = uuidv7();
	await tx.insert(outbox).values({ id, payload: message });
	return id;
}

async function recipients(db: RoutedDatabase, to: UserMessage["to"]): Promise<string[]> {
	if ("userIds" in to) return to.userIds;
	// The primary: a follow made a moment ago must not miss the reel it was made for.
	const ids: string[] = [];
	let after = "00000000-0000-0000-0000-000000000000";
	for (;;) {
		const page = await db.readFromPrimary((q) =>
			q.execute<{ follower_id: string }>(
				sql`SELECT follower_id FROM follows WHERE followee_id = ${to.followersOf} AND follower_id > ${after} ORDER BY follower_id LIMIT ${FOLLOWER_PAGE}`,
			),
		);
		ids.push(...page.rows.map((r) => r.follower_id));
		const last = page.rows.at(-1);
		if (!last || page.rows.length < FOLLOWER_PAGE) return ids;
		after = last.follower_id;
	}
}

/**
 * Delivers outbox rows: the given ids, or (from the cron) every row not
 * claimed by a live drain. Never throws: what fails stays for the next drain.
 */
export async function drainOutbox(env: Env, ids?: string[]): Promise<number> {
	if (ids) return drainBatch(env, ids);
	// The cron: batch after batch while they come full, so a backlog left by an outage (every
	// after-the-response delivery failing) clears in one run, not at DRAIN_BATCH a minute.
	// Bounded: each row costs about four subrequests (reads, the shard fetch, the delete), so a run
	// stays near 1,000 of the 10,000 a Paid invocation may make (docs/operations.md, Subrequests).
	let delivered = 0;
	for (let batch = 0; batch < CRON_DRAIN_BATCHES; batch++) {
		const { claimed, delivered: n } = await drainBatchCounted(env);
		delivered += n;
		if (claimed < DRAIN_BATCH) break;
	}
	return delivered;
}

async function drainBatch(env: Env, ids: string[]): Promise<number> {
	return ids.length === 0 ? 0 : (await drainBatchCounted(env, ids)).delivered;
}

async function drainBatchCounted(env: Env, ids?: string[]): Promise<{ claimed: number; delivered: number }> {
	try {
		return await withDatabase(env, async (db) => {
			const claimed = await db.write((q) =>
				q.execute<{ id: string; payload: OutboxMessage; attempts: number }>(sql`
					UPDATE outbox SET locked_until = now() + make_interval(secs => ${CLAIM_SECONDS}), attempts = attempts + 1
					WHERE id IN (
						SELECT id FROM outbox
						WHERE (locked_until IS NULL OR locked_until < now()) ${ids ? sql`AND id = ANY(${sql.param(ids)}::uuid[])` : sql``}
						ORDER BY id LIMIT ${DRAIN_BATCH} FOR UPDATE SKIP LOCKED)
					RETURNING id, payload, attempts`),
			);
			let delivered = 0;
			for (const row of claimed.rows) {
				try {
					const m = row.payload;
					if ("webhook" in m) {
						await announceToWebhooks(env, db, m.webhook);
					} else {
						const to = { userIds: await recipients(db, m.to) };
						await publish(env, db, to, { type: m.type, data: m.data }, { dedupeKey: m.dedupeKey ?? row.id });
					}
					await db.write((q) => q.execute(sql`DELETE FROM outbox WHERE id = ${row.id}`));
					delivered++;
				} catch (err) {
					logger.warn("outbox_delivery_failed", { id: row.id, attempts: row.attempts, error: (err as Error).message });
				}
			}
			return { claimed: claimed.rows.length, delivered };
		});
	} catch (err) {
		logger.warn("outbox_drain_failed", { error: (err as Error).message });
		return { claimed: 0, delivered: 0 };
	}
}
