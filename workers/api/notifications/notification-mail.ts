// Notification mail, composed by the mail-outbox consumer when its delay is over: one event
// (dropped if it was read meanwhile, or if its owner changed their mind), or the day's digest.
// It is not required mail, so every one carries an unsubscribe link (List-Unsubscribe, one click).
import { and, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { configOf } from "../../lib/config/config";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { notificationPreferences, notifications, users } from "../../lib/postgres/schema";
import type { MailJob } from "../../mail/mail-jobs";
import { renderMail } from "../../mail/mail-layout";
import type { MailMessage } from "../../mail/mime";
import { channelsOf, EMAILABLE_TYPES, isEmailable } from "../../realtime/notification-mail";
import { actorIdOf, linkOf } from "./notification-view";
import { unsubscribeUrls } from "./unsubscribe-link";

type NotificationJob = Extract<MailJob, { kind: "notification" | "digest" }>;

const quoted = (v: unknown) => (typeof v === "string" && v.trim() ? `: “${v.trim().slice(0, 140)}”` : ".");

/** What happened, as a sentence about `who`. */
export function sentenceOf(type: string, who: string, data: Record<string, unknown>): string {
	switch (type) {
		case "NEW_FOLLOWER":
			return `${who} started following you.`;
		case "FOLLOW_REQUESTED":
			return `${who} asked to follow you.`;
		case "NEW_COMMENT":
			return `${who} commented on your reel${quoted(data.text)}`;
		case "COMMENT_REPLY":
			return `${who} replied to your comment${quoted(data.text)}`;
		case "MENTIONED":
			return `${who} mentioned you.`;
		case "REEL_LIKED":
			return `${who} liked your reel.`;
		case "NEW_REEL":
			return `${who} posted a new reel.`;
		case "LIVE_STARTED":
			return `${who} is live now${quoted(data.title)}`;
		default:
			return "Something new happened on reels-edge.";
	}
}

interface Recipient {
	email: string;
	name: string;
	verified: boolean;
	channels: unknown;
	digest: boolean | null;
}

async function recipientOf(db: RoutedDatabase, userId: string): Promise<Recipient | undefined> {
	const [r] = await db.readFromPrimary((q) =>
		q
			.select({
				email: users.email,
				name: users.name,
				verified: sql<boolean>`${users.emailVerifiedAt} IS NOT NULL`,
				channels: notificationPreferences.channels,
				digest: notificationPreferences.digest,
			})
			.from(users)
			.leftJoin(notificationPreferences, eq(notificationPreferences.userId, users.id))
			.where(eq(users.id, userId))
			.limit(1),
	);
	return r;
}

export async function composeNotificationMail(db: RoutedDatabase, env: Env, job: NotificationJob): Promise<MailMessage | null> {
	const config = configOf(env);
	const me = await recipientOf(db, job.userId);
	if (!me?.verified) return null;
	const channels = channelsOf(me.channels);
	const from = { name: config.MAIL_FROM_NAME, address: config.MAIL_FROM_ADDRESS };
	const actor = sql`(SELECT json_build_object('name', a.name, 'handle', a.handle) FROM users a WHERE a.id = ${actorIdOf})`;

	if (job.kind === "notification") {
		const [n] = await db.readFromPrimary((q) =>
			q
				.select({
					type: notifications.type,
					data: notifications.data,
					readAt: notifications.readAt,
					actor: sql<{ name: string; handle: string } | null>`${actor}`,
				})
				.from(notifications)
				.where(and(eq(notifications.id, job.notificationId), eq(notifications.userId, job.userId)))
				.limit(1),
		);
		// Read in the app meanwhile, or no longer wanted by mail: nothing to send.
		if (!n || n.readAt || me.digest || !isEmailable(n.type) || channels[n.type] === "in_app") return null;
		const data = (n.data ?? {}) as Record<string, unknown>;
		const sentence = sentenceOf(n.type, n.actor?.name ?? "Someone", data);
		const unsubscribe = await unsubscribeUrls(env, job.userId, n.type);
		return {
			id: job.id,
			from,
			to: me.email,
			subject: sentence.length > 120 ? `${sentence.slice(0, 119)}…` : sentence,
			unsubscribeUrl: unsubscribe.api,
			...renderMail({
				subject: sentence,
				heading: `Hi ${me.name},`,
				paragraphs: [sentence],
				action: { label: "Open reels-edge", url: `${config.APP_ORIGIN}${linkOf(data, n.actor?.handle ?? null) ?? "/"}` },
				after: [`You get mail like this when you are away. Stop it: ${unsubscribe.page}`],
				footer: "Sent because of your notification settings on reels-edge (Settings, Notifications).",
			}),
		};
	}

	const wanted = EMAILABLE_TYPES.filter((t) => channels[t] !== "in_app");
	if (!me.digest || wanted.length === 0) return null;
	const rows = await db.readFromPrimary((q) =>
		q
			.select({ type: notifications.type, data: notifications.data, actor: sql<{ name: string; handle: string } | null>`${actor}` })
			.from(notifications)
			.where(
				and(
					eq(notifications.userId, job.userId),
					gt(notifications.createdAt, new Date(job.since)),
					isNull(notifications.readAt),
					inArray(notifications.type, wanted),
				),
			)
			.orderBy(notifications.id)
			.limit(51),
	);
	if (rows.length === 0) return null;
	const lines = rows
		.slice(0, 50)
		.map((r) => `• ${sentenceOf(r.type, r.actor?.name ?? "Someone", (r.data ?? {}) as Record<string, unknown>)}`);
	if (rows.length > 50) lines.push("• … and more in the app.");
	const unsubscribe = await unsubscribeUrls(env, job.userId, "all");
	const subject = `Your day on reels-edge: ${rows.length > 50 ? "50+" : rows.length} new`;
	return {
		id: job.id,
		from,
		to: me.email,
		subject,
		unsubscribeUrl: unsubscribe.api,
		...renderMail({
			subject,
			heading: `Hi ${me.name}, while you were away:`,
			paragraphs: lines,
			action: { label: "Open reels-edge", url: config.APP_ORIGIN },
			after: [`Stop notification mail: ${unsubscribe.page}`],
			footer: "Sent once a day because you chose a daily digest (Settings, Notifications).",
		}),
	};
}
