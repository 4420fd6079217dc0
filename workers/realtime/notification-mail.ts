// Which events are also mailed, and to whom (docs/events.md, "Notification email"). An account
// chooses per kind of event: in_app (the bell and the inbox), email (mailed, and not pushed to open
// sockets), or both (the bell, and mailed when it did not reach an open socket: someone looking at
// the app has seen it). Defaults mail only what matters when someone is away: a new follower, a
// comment on their reel, a live stream starting. Mail goes only to a verified address (an
// unverified one may be somebody else's) and not at all for an account that asked for one daily
// digest instead. Each mail waits NOTIFICATION_MAIL_DELAY_SECONDS in the queue and is dropped if
// the notification was read meanwhile (api/notifications/notification-mail.ts composes it).
import { sql } from "drizzle-orm";
import { configOf } from "../lib/config/config";
import { uuidv7 } from "../lib/ids/uuidv7";
import { logger } from "../lib/observability/logger";
import type { RoutedDatabase } from "../lib/postgres/routed-database";
import type { MailJob } from "../mail/mail-jobs";
import type { UserEventType } from "./events";

export const EMAILABLE_TYPES = [
	"NEW_FOLLOWER",
	"FOLLOW_REQUESTED",
	"NEW_COMMENT",
	"COMMENT_REPLY",
	"MENTIONED",
	"REEL_LIKED",
	"NEW_REEL",
	"LIVE_STARTED",
] as const satisfies readonly UserEventType[];
export type EmailableType = (typeof EMAILABLE_TYPES)[number];
export const CHANNELS = ["in_app", "email", "both"] as const;
export type Channel = (typeof CHANNELS)[number];

export const DEFAULT_CHANNELS: Record<EmailableType, Channel> = {
	NEW_FOLLOWER: "both",
	FOLLOW_REQUESTED: "in_app",
	NEW_COMMENT: "both",
	COMMENT_REPLY: "in_app",
	MENTIONED: "in_app",
	REEL_LIKED: "in_app",
	NEW_REEL: "in_app",
	LIVE_STARTED: "both",
};

export const isEmailable = (type: string): type is EmailableType => (EMAILABLE_TYPES as readonly string[]).includes(type);

/** `stored` (a preferences row's channels) over the defaults. */
export function channelsOf(stored: unknown): Record<EmailableType, Channel> {
	const out = { ...DEFAULT_CHANNELS };
	if (stored && typeof stored === "object") {
		for (const [type, channel] of Object.entries(stored)) {
			if (isEmailable(type) && (CHANNELS as readonly string[]).includes(channel as string)) out[type] = channel as Channel;
		}
	}
	return out;
}

export interface MailRouting {
	channel: Channel;
	/** Mail may go at all: a verified address, and no daily digest instead. */
	mailable: boolean;
}

/** One read for all recipients of an emailable event: their channel for it, and whether they may be mailed. */
export async function routingOf(db: RoutedDatabase, type: EmailableType, userIds: string[]): Promise<Map<string, MailRouting>> {
	const { rows } = await db.readFromPrimary((q) =>
		q.execute<{ id: string; channel: string | null; digest: boolean | null; verified: boolean }>(sql`
			SELECT u.id, p.channels->>${type} AS channel, p.digest, u.email_verified_at IS NOT NULL AS verified
			FROM users u LEFT JOIN notification_preferences p ON p.user_id = u.id
			WHERE u.id = ANY(${sql.param(userIds)}::uuid[])`),
	);
	return new Map(
		rows.map((r) => {
			const channel = channelsOf(r.channel ? { [type]: r.channel } : {})[type];
			return [r.id, { channel, mailable: r.verified && !r.digest && channel !== "in_app" }];
		}),
	);
}

/** Queues the mail for each (recipient, notification) that is to be mailed; a queue that refuses is logged (the inbox has it). */
export async function queueNotificationMail(env: Env, items: { userId: string; notificationId: string }[]): Promise<void> {
	const delaySeconds = configOf(env).NOTIFICATION_MAIL_DELAY_SECONDS;
	for (let i = 0; i < items.length; i += 100) {
		const messages = items.slice(i, i + 100).map((it) => {
			const body: MailJob = { id: uuidv7(), kind: "notification", userId: it.userId, notificationId: it.notificationId };
			return { body, contentType: "json" as const, delaySeconds };
		});
		await env.MAIL_OUTBOX.sendBatch(messages).catch((err: Error) =>
			logger.error("mail_not_queued", { kind: "notification", count: messages.length, error: err.message }),
		);
	}
}
