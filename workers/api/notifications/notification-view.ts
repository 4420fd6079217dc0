// What an inbox row says to a person: who did it (the actor) and where it leads (the link).
// Event data keeps ids only; names, handles and avatars are read when the inbox is, so a renamed
// or deleted account shows as it is now.
import { sql } from "drizzle-orm";
import { notifications } from "../../lib/postgres/schema";
import type { UserEventType } from "../../realtime/events";

/** The field of each event's data that names the account that caused it. */
export const ACTOR_FIELD: Partial<Record<UserEventType, string>> = {
	NEW_REEL: "authorId",
	REEL_LIKED: "userId",
	NEW_FOLLOWER: "followerId",
	FOLLOW_REQUESTED: "requesterId",
	FOLLOW_ACCEPTED: "userId",
	NEW_COMMENT: "authorId",
	COMMENT_REPLY: "authorId",
	MENTIONED: "authorId",
	LIVE_STARTED: "ownerId",
};

/** The actor's id as SQL (null for events without one, or data that holds no UUID there). */
export const actorIdOf = sql`(CASE ${sql.join(
	Object.entries(ACTOR_FIELD).map(
		([type, field]) =>
			sql`WHEN ${notifications.type} = ${type} AND ${notifications.data}->>${field} ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN (${notifications.data}->>${field})::uuid`,
	),
	sql` `,
)} END)`;

const str = (v: unknown) => (typeof v === "string" ? v : null);

/** The web app's page for the event: the reel, the live stream, the actor's profile; null when there is none. */
export function linkOf(data: Record<string, unknown>, actorHandle: string | null): string | null {
	const reelId = str(data.reelId);
	if (reelId) return str(data.commentId) ? `/reel/${reelId}#comments` : `/reel/${reelId}`;
	const streamId = str(data.streamId);
	if (streamId) return `/live/${streamId}`;
	return actorHandle ? `/@${actorHandle}` : null;
}
