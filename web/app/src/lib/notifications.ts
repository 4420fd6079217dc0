// The inbox as people read it: one sentence per event, grouped like Instagram's ("Ada and 3 others
// liked your reel"), with a relative time. Pure functions: the Bell renders them, tests prove them.

import type { Schemas } from "./types";

export type Actor = NonNullable<Schemas["NotificationActor"]>;

/** An inbox item (`GET /api/notifications`); socket events are read into the same shape. */
export type Notification = Schemas["Notification"];

export interface NotificationGroup {
	key: string;
	type: string;
	/** Newest first, each once. */
	actors: Actor[];
	/** How many events the group holds. */
	count: number;
	latest: Notification;
	link: string | null;
	unread: boolean;
}

/** Events that only say how an upload is going: shown by the upload page, never in the inbox. */
export const TRANSIENT_TYPES = new Set(["TRANSCODE_PROGRESS", "TRANSCODE_PLAYABLE"]);

/** What several events may share one row: likes and comments of one reel, new followers; within a day. */
function groupKey(n: Notification): string {
	const day = n.createdAt.slice(0, 10);
	const reel = typeof n.data.reelId === "string" ? n.data.reelId : "";
	if (n.type === "REEL_LIKED" || n.type === "NEW_COMMENT") return `${n.type}:${reel}:${day}`;
	if (n.type === "NEW_FOLLOWER") return `${n.type}:${day}`;
	return n.id;
}

/** Groups a newest-first list, keeping the order of each group's newest event. */
export function groupNotifications(items: Notification[]): NotificationGroup[] {
	const groups = new Map<string, NotificationGroup>();
	for (const n of items) {
		if (TRANSIENT_TYPES.has(n.type)) continue;
		const key = groupKey(n);
		const g = groups.get(key);
		if (!g) {
			groups.set(key, { key, type: n.type, actors: n.actor ? [n.actor] : [], count: 1, latest: n, link: n.link, unread: !n.readAt });
			continue;
		}
		g.count++;
		g.unread ||= !n.readAt;
		if (n.actor && !g.actors.some((a) => a.id === n.actor?.id)) g.actors.push(n.actor);
	}
	return [...groups.values()];
}

/** "Ada", "Ada and Bo", "Ada and 3 others" (people, not events: one person liking twice is one). */
export function actorNames(g: NotificationGroup): string {
	const [first, second] = g.actors;
	if (!first) return "Someone";
	const others = g.actors.length - 1;
	if (others === 0) return first.name;
	if (others === 1 && second) return `${first.name} and ${second.name}`;
	return `${first.name} and ${others} others`;
}

const quoted = (v: unknown, max = 80) => {
	const s = typeof v === "string" ? v.trim() : "";
	return s ? `: “${s.length > max ? `${s.slice(0, max - 1)}…` : s}”` : "";
};

/** The sentence after the actors' names (or the whole sentence for events of your own uploads). */
export function sentence(g: NotificationGroup): { who: string | null; what: string } {
	const d = g.latest.data;
	const who = actorNames(g);
	switch (g.type) {
		case "REEL_LIKED":
			return { who, what: "liked your reel." };
		case "NEW_COMMENT":
			return g.count > 1 ? { who, what: "commented on your reel." } : { who, what: `commented${quoted(d.text)}` };
		case "COMMENT_REPLY":
			return g.count > 1 ? { who, what: "replied to your comments." } : { who, what: `replied to your comment${quoted(d.text)}` };
		case "MENTIONED":
			return { who, what: d.commentId ? `mentioned you in a comment${quoted(d.text)}` : "mentioned you in a reel." };
		case "NEW_FOLLOWER":
			return { who, what: "started following you." };
		case "FOLLOW_REQUESTED":
			return { who, what: "asked to follow you." };
		case "FOLLOW_ACCEPTED":
			return { who, what: "accepted your follow request." };
		case "NEW_REEL":
			return { who, what: "posted a new reel." };
		case "LIVE_STARTED":
			return { who, what: `is live now${quoted(d.title)}` };
		case "TRANSCODE_READY":
			return { who: null, what: "Your video is ready to post." };
		case "TRANSCODE_FAILED":
			return { who: null, what: `Your video could not be processed${quoted(d.error, 160)}` };
		case "WEBHOOK_DISABLED":
			return {
				who: null,
				what: `Your webhook to ${typeof d.url === "string" ? d.url : "an endpoint"} failed for ${String(d.failingForDays ?? "several")} days and was turned off.`,
			};
		case "EXPORT_READY":
			return { who: null, what: "Your data export is ready to download in Settings." };
		default:
			return { who: null, what: "Something new happened." };
	}
}

/** "now", "5m", "3h", "2d", "3w", then the date: as short as the big apps put it. */
export function relativeTime(iso: string, now = Date.now()): string {
	const s = Math.max(0, (now - Date.parse(iso)) / 1000);
	if (s < 60) return "now";
	if (s < 3600) return `${Math.floor(s / 60)}m`;
	if (s < 86_400) return `${Math.floor(s / 3600)}h`;
	if (s < 7 * 86_400) return `${Math.floor(s / 86_400)}d`;
	if (s < 5 * 7 * 86_400) return `${Math.floor(s / (7 * 86_400))}w`;
	return new Date(iso).toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

/**
 * What identifies an event whichever way it came: its type and data with keys sorted (the inbox's
 * jsonb reorders keys, so the socket's copy of an event serialises differently from the inbox's).
 */
export function eventKey(type: string, data: unknown): string {
	const canonical = (v: unknown): unknown =>
		Array.isArray(v)
			? v.map(canonical)
			: v && typeof v === "object"
				? Object.fromEntries(
						Object.keys(v)
							.sort()
							.map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
					)
				: v;
	return `${type}:${JSON.stringify(canonical(data))}`;
}
