// The webhook event contract and how an event reaches endpoints. An event is `{id, type,
// createdAt, data}`, `data` being the object as the API (or the socket event) shows it; `id` is
// the `webhook-id` of every attempt, derived from what happened (the type and its subject), so an
// event told twice (a retried transcode, a re-drained outbox row) is one delivery per endpoint.
//
// Where events come from: changes in Postgres (reels) emit them into the outbox in the write's
// own transaction (realtime/outbox.ts), so a committed change always has its event and a rolled
// back one never; changes in D1 (a transcode's end) announce them after their compare-and-set,
// and the job's retry re-tells a crash in between, deduplicated by the event id.
import { sql } from "drizzle-orm";
import { toHex } from "../lib/encoding/bytes";
import { logger } from "../lib/observability/logger";
import { type Db, type RoutedDatabase, withDatabase } from "../lib/postgres/routed-database";

export const WEBHOOK_EVENT_TYPES = [
	"video.created",
	"video.playable",
	"video.ready",
	"video.failed",
	"video.deleted",
	"reel.created",
	"reel.deleted",
	"reel.hidden",
	"live.started",
	"live.ended",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookAnnouncement {
	/** Whose event it is: that account's endpoints, and every platform-wide one, hear it. */
	ownerId: string;
	type: WebhookEventType;
	/** What it happened to (a video's or a reel's id): with the type, it names the event. */
	subjectId: string;
	/** For an event that can happen to its subject more than once (a reel hidden, restored, hidden again): which time. */
	occurrence?: string;
	data: unknown;
}

/** Announces an event from outside a Postgres write (a D1 change, a Durable Object): its own connection. */
export const announce = (env: Env, event: WebhookAnnouncement) => withDatabase(env, (db) => announceToWebhooks(env, db, event));

/**
 * An event told after a change that has no retry behind it (an upload that arrived, an asset
 * deleted, a stream ended): if Postgres cannot be reached just then, the event is logged as lost
 * rather than failing what already happened. (A transcode's end is told with `announce`: its job's
 * retry tells it again.)
 */
export async function announceOrLog(env: Env, event: WebhookAnnouncement): Promise<void> {
	try {
		await announce(env, event);
	} catch (err) {
		logger.error("webhook_event_lost", { type: event.type, subjectId: event.subjectId, error: (err as Error).message });
	}
}

/** `video.created`: a video's bytes are all stored and it waits for the transcoder. */
export const announceVideoCreated = (env: Env, video: { id: string; ownerId: string; bytes: number; title?: string | null }) =>
	announceOrLog(env, {
		ownerId: video.ownerId,
		type: "video.created",
		subjectId: video.id,
		data: { id: video.id, status: "queued", bytes: video.bytes, title: video.title ?? null },
	});

/** How many lost deliveries one sweep queues again. */
const SWEEP_BATCH = 200;

/**
 * Every five minutes: a pending delivery whose queue message should have come back 10 minutes ago
 * or more lost it (a send that failed after the row was written, a message past the queue's retry
 * limit): it is queued again. And hourly-cheap upkeep: finished deliveries are kept 30 days.
 */
export async function sweepWebhookDeliveries(env: Env): Promise<{ requeued: number; forgotten: number }> {
	return withDatabase(env, async (db) => {
		const lost = await db.write((q) =>
			q.execute<{ id: string }>(sql`
				UPDATE webhook_deliveries SET next_attempt_at = now() + interval '10 minutes'
				WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at < now() - interval '10 minutes'
				             ORDER BY next_attempt_at LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)
				RETURNING id`),
		);
		if (lost.rows.length > 0) {
			await env.WEBHOOK_DELIVERIES.sendBatch(
				lost.rows.map((r) => ({ body: { deliveryId: r.id } satisfies WebhookDeliveryJob, contentType: "json" as const })),
			);
		}
		const old = await db.write((q) =>
			q.execute<{ id: string }>(sql`
				DELETE FROM webhook_deliveries WHERE id IN (
					SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < now() - interval '30 days' LIMIT 1000)
				RETURNING id`),
		);
		return { requeued: lost.rows.length, forgotten: old.rows.length };
	});
}

/** The queue message for one delivery. */
export interface WebhookDeliveryJob {
	deliveryId: string;
}

/** A stable uuid for (type, subject): SHA-256, shaped as a version-8 uuid (RFC 9562's custom version). */
export async function eventIdFor(type: string, subjectId: string): Promise<string> {
	const hex = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${type}:${subjectId}`)))).slice(0, 32);
	const variant = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Records one delivery per endpoint that wants the event (the owner's and the platform-wide ones,
 * enabled, subscribed to its type) and queues them. Idempotent: an endpoint already holding the
 * event gets no second delivery, but one not yet attempted is queued again (its first message may
 * never have been sent). Reads and writes the primary: an endpoint made a moment ago counts.
 */
export async function announceToWebhooks(env: Env, db: RoutedDatabase, event: WebhookAnnouncement): Promise<number> {
	const id = await eventIdFor(event.type, event.occurrence ? `${event.subjectId}:${event.occurrence}` : event.subjectId);
	const body = JSON.stringify({ id, type: event.type, createdAt: new Date().toISOString(), data: event.data });
	const created = await db.write((q: Db) =>
		q.execute<{ id: string }>(sql`
			INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, subject_id, payload, status)
			SELECT gen_random_uuid(), e.id, ${id}::uuid, ${event.type}, ${event.subjectId}::uuid, ${body}, 'pending'
			FROM webhook_endpoints e
			WHERE e.disabled_at IS NULL AND ${event.type} = ANY(e.events)
			  AND (e.user_id = ${event.ownerId}::uuid OR e.user_id IS NULL)
			ON CONFLICT (endpoint_id, event_id) DO UPDATE SET next_attempt_at = now()
				WHERE webhook_deliveries.status = 'pending' AND webhook_deliveries.attempts = 0
			RETURNING id`),
	);
	if (created.rows.length > 0) {
		await env.WEBHOOK_DELIVERIES.sendBatch(
			created.rows.map((r) => ({ body: { deliveryId: r.id } satisfies WebhookDeliveryJob, contentType: "json" as const })),
		);
	}
	return created.rows.length;
}
