// The `webhook-deliveries` queue's consumer: sends one delivery, signed by the Standard Webhooks
// specification with its well-kept library (`standardwebhooks`), records the attempt, and on
// anything but a 2xx within 10 s asks the queue to bring it back later, on a schedule that spans
// more than a day. Each attempt carries the same `webhook-id`, so receivers can drop repeats. One
// subject's events reach an endpoint in the order they happened: a later one waits while an earlier
// one is still pending.
// An endpoint that has failed every delivery for WEBHOOK_DISABLE_AFTER_DAYS is disabled, and its
// owner told (a WEBHOOK_DISABLED event, on the socket and in the inbox).
import { sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { configOf } from "../lib/config/config";
import { logger } from "../lib/observability/logger";
import { type RoutedDatabase, withDatabase } from "../lib/postgres/routed-database";
import { publish } from "../realtime/publish";
import { refusedAtDelivery } from "./endpoint-policy";
import type { WebhookDeliveryJob } from "./webhook-events";

/**
 * Seconds before each retry: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, about 27.6 hours in all
 * (8 attempts). Each delay stays within what Queues accepts for a retry
 * (developers.cloudflare.com/queues/configuration/batching-retries/).
 */
export const RETRY_SCHEDULE_S = [5, 300, 1800, 7200, 18_000, 36_000, 36_000] as const;
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** An endpoint whose every delivery has failed this long is disabled. */
export const DISABLE_AFTER_DAYS = 3;
const ATTEMPTS_KEPT = 20;
/** Enough of a receiver's answer to say why it failed, never a whole page. */
const ERROR_CHARS = 200;

interface Loaded {
	delivery: { id: string; event_id: string; payload: string; status: string; attempts: number; waits_behind: boolean };
	endpoint: {
		id: string;
		user_id: string | null;
		url: string;
		secret: string;
		previous_secret: string | null;
		previous_live: boolean;
		disabled: boolean;
		failing_since: string | null;
	};
}

async function load(db: RoutedDatabase, deliveryId: string): Promise<Loaded | undefined> {
	const { rows } = await db.readFromPrimary((q) =>
		q.execute<Loaded["delivery"] & Omit<Loaded["endpoint"], "id"> & { endpoint_id: string }>(sql`
			SELECT d.id, d.event_id, d.payload, d.status, d.attempts, e.id AS endpoint_id, e.user_id, e.url, e.secret,
			       EXISTS (SELECT 1 FROM webhook_deliveries o
			               WHERE o.endpoint_id = d.endpoint_id AND o.subject_id = d.subject_id AND o.status = 'pending'
			                 AND (o.created_at, o.id) < (d.created_at, d.id)) AS waits_behind,
			       e.previous_secret, coalesce(e.previous_secret_until > now(), false) AS previous_live,
			       e.disabled_at IS NOT NULL AS disabled, e.failing_since::text AS failing_since
			FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
			WHERE d.id = ${deliveryId}::uuid`),
	);
	const r = rows[0];
	if (!r) return undefined;
	return {
		delivery: { id: r.id, event_id: r.event_id, payload: r.payload, status: r.status, attempts: r.attempts, waits_behind: r.waits_behind },
		endpoint: {
			id: r.endpoint_id,
			user_id: r.user_id,
			url: r.url,
			secret: r.secret,
			previous_secret: r.previous_secret,
			previous_live: r.previous_live,
			disabled: r.disabled,
			failing_since: r.failing_since,
		},
	};
}

/** `v1,<sig>` for the current secret, and for the previous one while its grace period lasts. */
export function signatureHeader(secrets: string[], eventId: string, at: Date, body: string): string {
	return secrets.map((s) => new Webhook(s).sign(eventId, at, body)).join(" ");
}

interface Attempt {
	at: string;
	status: number | null;
	latencyMs: number;
	error: string | null;
}

/** One POST of the delivery; never throws (a refusal, a timeout, a reset are failed attempts). */
async function attempt(env: Env, l: Loaded): Promise<Attempt> {
	const at = new Date();
	const started = Date.now();
	const refused = await refusedAtDelivery(l.endpoint.url, configOf(env).WEBHOOK_ALLOW_PRIVATE_URLS).catch(
		(e: Error) => `DNS: ${e.message}`,
	);
	if (refused) return { at: at.toISOString(), status: null, latencyMs: 0, error: `refused: ${refused}` };
	const secrets = [l.endpoint.secret, ...(l.endpoint.previous_live && l.endpoint.previous_secret ? [l.endpoint.previous_secret] : [])];
	try {
		const res = await fetch(l.endpoint.url, {
			method: "POST",
			body: l.delivery.payload,
			redirect: "manual",
			signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
			headers: {
				"content-type": "application/json",
				"user-agent": "reels-edge-webhooks/1",
				"webhook-id": l.delivery.event_id,
				"webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
				"webhook-signature": signatureHeader(secrets, l.delivery.event_id, at, l.delivery.payload),
			},
		});
		const text = res.ok ? "" : await firstChars(res, ERROR_CHARS);
		await res.body?.cancel().catch(() => undefined);
		return {
			at: at.toISOString(),
			status: res.status,
			latencyMs: Date.now() - started,
			error: res.ok ? null : text || res.statusText || null,
		};
	} catch (err) {
		const timedOut = (err as Error).name === "TimeoutError";
		return {
			at: at.toISOString(),
			status: null,
			latencyMs: Date.now() - started,
			error: timedOut ? "timed out after 10 s" : (err as Error).message.slice(0, ERROR_CHARS),
		};
	}
}

/** At most `n` characters of a body, reading no more of it than that: a receiver's error page may be huge. */
async function firstChars(res: Response, n: number): Promise<string> {
	const reader = res.body?.getReader();
	if (!reader) return "";
	const chunks: Uint8Array[] = [];
	let size = 0;
	while (size < n * 4) {
		const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
		if (done || !value) break;
		chunks.push(value);
		size += value.byteLength;
	}
	await reader.cancel().catch(() => undefined);
	const bytes = new Uint8Array(size);
	let at = 0;
	for (const c of chunks) {
		bytes.set(c, at);
		at += c.byteLength;
	}
	return new TextDecoder().decode(bytes).slice(0, n);
}

type Outcome = "succeeded" | "retry" | "failed" | "skipped" | "waiting";

/** Sends delivery `deliveryId` once and records it; what the queue should do next. */
export async function deliverOnce(env: Env, deliveryId: string): Promise<{ outcome: Outcome; attempts: number }> {
	return withDatabase(env, async (db) => {
		const l = await load(db, deliveryId);
		if (l?.delivery.status !== "pending") return { outcome: "skipped", attempts: l?.delivery.attempts ?? 0 };
		if (l.endpoint.disabled) {
			// Over, not left pending: it would hold back the subject's later events. A replay sends it once the endpoint is on again.
			await db.write((q) =>
				q.execute(sql`UPDATE webhook_deliveries SET status = 'failed', updated_at = now(),
					attempt_log = attempt_log || ${JSON.stringify([{ at: new Date().toISOString(), status: null, latencyMs: 0, error: "endpoint disabled" }])}::jsonb
					WHERE id = ${deliveryId}::uuid AND status = 'pending'`),
			);
			return { outcome: "skipped", attempts: l.delivery.attempts };
		}
		// In order where it matters: an earlier event about the same video, reel or stream still on its
		// way to this endpoint goes first (video.created before video.ready, reel.created before reel.deleted).
		if (l.delivery.waits_behind) {
			await db.write((q) =>
				q.execute(sql`UPDATE webhook_deliveries SET next_attempt_at = now() + interval '1 hour' WHERE id = ${deliveryId}::uuid`),
			);
			return { outcome: "waiting", attempts: l.delivery.attempts };
		}
		const a = await attempt(env, l);
		const ok = a.status !== null && a.status >= 200 && a.status < 300;
		const attempts = l.delivery.attempts + 1;
		const outcome: Outcome = ok ? "succeeded" : attempts > RETRY_SCHEDULE_S.length ? "failed" : "retry";
		await db.write((q) =>
			q.execute(sql`
				UPDATE webhook_deliveries SET
					status = ${outcome === "retry" ? "pending" : outcome}, attempts = ${attempts}, updated_at = now(),
					next_attempt_at = now() + make_interval(secs => ${outcome === "retry" ? (RETRY_SCHEDULE_S[attempts - 1] ?? 0) : 0}),
					attempt_log = (SELECT coalesce(jsonb_agg(x ORDER BY n), '[]'::jsonb) FROM (
						SELECT x, n FROM jsonb_array_elements(attempt_log || ${JSON.stringify([a])}::jsonb) WITH ORDINALITY AS t(x, n)
						ORDER BY n DESC LIMIT ${ATTEMPTS_KEPT}) newest)
				WHERE id = ${deliveryId}::uuid`),
		);
		if (ok) {
			if (l.endpoint.failing_since)
				await db.write((q) => q.execute(sql`UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ${l.endpoint.id}::uuid`));
		} else {
			await noteFailure(env, db, l.endpoint);
		}
		return { outcome, attempts };
	});
}

/** A failed attempt: the endpoint is failing from now (if it was not already); after days of it, disabled and its owner told. */
async function noteFailure(env: Env, db: RoutedDatabase, endpoint: Loaded["endpoint"]): Promise<void> {
	const { rows } = await db.write((q) =>
		q.execute<{ disabled: boolean; url: string }>(sql`
			UPDATE webhook_endpoints SET
				failing_since = coalesce(failing_since, now()),
				disabled_at = CASE WHEN failing_since < now() - make_interval(days => ${DISABLE_AFTER_DAYS}) THEN now() ELSE disabled_at END
			WHERE id = ${endpoint.id}::uuid AND disabled_at IS NULL
			RETURNING disabled_at IS NOT NULL AS disabled, url`),
	);
	const row = rows[0];
	if (row?.disabled && endpoint.user_id) {
		logger.warn("webhook_endpoint_disabled", { endpointId: endpoint.id });
		await publish(
			env,
			db,
			{ userIds: [endpoint.user_id] },
			{ type: "WEBHOOK_DISABLED", data: { endpointId: endpoint.id, url: row.url, failingForDays: DISABLE_AFTER_DAYS } },
			{ dedupeKey: `webhook-disabled:${endpoint.id}:${new Date().toISOString().slice(0, 10)}` },
		);
	}
}

/** The queue's consumer: one delivery per message, retried on the schedule above; a batch's deliveries at once, so one slow receiver holds no other back. */
export async function consumeWebhookDeliveries(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	await Promise.allSettled(batch.messages.map((message) => consumeOne(message, env)));
}

async function consumeOne(message: Message<unknown>, env: Env): Promise<void> {
	{
		const job = message.body as Partial<WebhookDeliveryJob>;
		if (typeof job?.deliveryId !== "string" || !/^[0-9a-f-]{36}$/.test(job.deliveryId)) {
			logger.error("webhook_delivery_malformed", { body: JSON.stringify(message.body).slice(0, 200) });
			message.ack();
			return;
		}
		try {
			const { outcome, attempts } = await deliverOnce(env, job.deliveryId);
			if (outcome === "retry") message.retry({ delaySeconds: RETRY_SCHEDULE_S[attempts - 1] ?? RETRY_SCHEDULE_S.at(-1) });
			// Behind an earlier event (often in the same batch): asked again soon, then later and later
			// (2 s doubling to an hour, far past the earlier one's 27 hours within the queue's 100 retries), no attempt counted.
			else if (outcome === "waiting") message.retry({ delaySeconds: Math.min(3600, 2 ** Math.min(message.attempts, 12)) });
			else message.ack();
		} catch (err) {
			// Our own trouble (the database), not the receiver's: try again soon, without counting an attempt.
			logger.warn("webhook_delivery_error", { deliveryId: job.deliveryId, error: (err as Error).message });
			message.retry({ delaySeconds: 30 });
		}
	}
}
