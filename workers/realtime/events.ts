// The event contract of the real-time plane (docs/events.md shows each shape).
import { z } from "zod";

export const USER_EVENT_TYPES = [
	"NEW_REEL",
	"REEL_LIKED",
	"NEW_FOLLOWER",
	"FOLLOW_REQUESTED",
	"FOLLOW_ACCEPTED",
	"NEW_COMMENT",
	"COMMENT_REPLY",
	"MENTIONED",
	"TRANSCODE_PROGRESS",
	"TRANSCODE_PLAYABLE",
	"TRANSCODE_READY",
	"TRANSCODE_FAILED",
	"LIVE_STARTED",
	"WEBHOOK_DISABLED",
	"EXPORT_READY",
] as const;
export type UserEventType = (typeof USER_EVENT_TYPES)[number];

/**
 * Events that only say how something is going: sent to the user's sockets (and replayed on
 * reconnect) but kept out of the inbox, which holds what a person wants to read later.
 */
export const TRANSIENT_EVENT_TYPES: ReadonlySet<UserEventType> = new Set(["TRANSCODE_PROGRESS", "TRANSCODE_PLAYABLE"]);

/** Broadcast to a topic: not per user, so neither sequenced nor kept for recovery. */
export type BroadcastEventType = "ANNOUNCEMENT";

/** Control messages the server sends on a socket. */
export type ControlType = "PONG" | "RECOVERED" | "RECONNECT" | "SESSION_ENDED" | "ERROR";

export interface Envelope {
	type: string;
	/** Per-user, increasing by one per event; 0 for broadcasts and control messages. */
	seq: number;
	at: string;
	data: unknown;
}

export const TopicSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "topics are 1-32 lowercase letters, digits or dashes");

/** Topics one socket may follow: Cloudflare allows 10 tags per hibernatable WebSocket, and the user tag takes one. */
export const MAX_TOPICS_PER_SOCKET = 9;

/** What a shard needs to know about a socket it is handed (set by the Worker after authentication). */
export const ShardConnectSchema = z.object({
	userId: z.uuid(),
	/** The sign-in (session) the socket belongs to: logging out closes exactly its sockets. */
	sessionId: z.uuid(),
	tokenExpiresAt: z.coerce.number().int().positive(),
	shardIndex: z.coerce.number().int().min(0),
	since: z.coerce.number().int().min(0).optional(),
	// The platform allows 10 tags a socket; one is the user's own tag (notification-shard.ts).
	topics: z.array(TopicSchema).max(MAX_TOPICS_PER_SOCKET),
});
export type ShardConnect = z.infer<typeof ShardConnectSchema>;

/** Internal header carrying ShardConnect as JSON from the Worker to the shard. */
export const SHARD_CONNECT_HEADER = "x-reels-shard-connect";

export interface UserEvent {
	userId: string;
	type: UserEventType;
	data: unknown;
}
