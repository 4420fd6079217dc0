// The daily digest (the 07:00 UTC cron): each verified account that chose one gets one mail job,
// covering what happened since its last digest (at most a day back). `last_digest_at` moves when
// the job is queued, in the same statement that picks the accounts, so a cron run twice (or two
// isolates) queues each account once.
import { sql } from "drizzle-orm";
import { uuidv7 } from "../../lib/ids/uuidv7";
import { logger } from "../../lib/observability/logger";
import { withDatabase } from "../../lib/postgres/routed-database";
import type { MailJob } from "../../mail/mail-jobs";

/** Accounts per run; a larger platform picks up the rest on the same run's next pages. */
const PAGE = 500;

export async function queueDigests(env: Env): Promise<number> {
	return withDatabase(env, async (db) => {
		let queued = 0;
		for (;;) {
			const { rows } = await db.write((q) =>
				q.execute<{ user_id: string; since: Date }>(sql`
					WITH due AS (
						SELECT p.user_id, coalesce(p.last_digest_at, now() - interval '1 day') AS since
						FROM notification_preferences p JOIN users u ON u.id = p.user_id
						WHERE p.digest AND u.email_verified_at IS NOT NULL
						  AND (p.last_digest_at IS NULL OR p.last_digest_at < now() - interval '20 hours')
						ORDER BY p.user_id LIMIT ${PAGE} FOR UPDATE OF p SKIP LOCKED)
					UPDATE notification_preferences p SET last_digest_at = now() FROM due
					WHERE p.user_id = due.user_id
					RETURNING p.user_id, greatest(due.since, now() - interval '1 day') AS since`),
			);
			if (rows.length === 0) return queued;
			const messages = rows.map((r) => {
				const body: MailJob = { id: uuidv7(), kind: "digest", userId: r.user_id, since: new Date(r.since).toISOString() };
				return { body, contentType: "json" as const };
			});
			for (let i = 0; i < messages.length; i += 100) {
				await env.MAIL_OUTBOX.sendBatch(messages.slice(i, i + 100)).catch((err: Error) =>
					logger.error("mail_not_queued", { kind: "digest", count: Math.min(100, messages.length - i), error: err.message }),
				);
			}
			queued += rows.length;
			if (rows.length < PAGE) return queued;
		}
	});
}
