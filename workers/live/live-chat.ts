// A live stream's viewer socket: what viewers may send (chat, signed in only)
// and what the stream sends them. The limits are the notification socket's
// (frame size, frames per window) plus a chat rate of its own.
import { z } from "zod";
import { gcra, type Quota } from "../lib/rate-limit/gcra";
import type { StreamStatus } from "./stream-host";

export const CHAT_MAX_CHARS = 300;
/** One message a second with a burst of five, per socket. */
export const CHAT_QUOTA: Quota = { limit: 5, periodSeconds: 5 };
/** Chat messages kept for viewers who join later. */
export const CHAT_BACKLOG = 50;

export const ViewerMessageSchema = z.object({
	type: z.literal("CHAT"),
	text: z
		.string()
		// Control characters (but new lines) are dropped: they only ever serve to garble other viewers' screens.
		.transform((t) => t.replace(/\p{Cc}/gu, (ch) => (ch === "\n" ? ch : "")).trim())
		.pipe(z.string().min(1).max(CHAT_MAX_CHARS)),
});

/** Who a viewer socket belongs to (set by the Worker after authentication; anonymous viewers watch only). */
export const ViewerConnectSchema = z.object({
	userId: z.uuid().nullable(),
	/** The sign-in the socket belongs to: ending it (logout, refresh-token reuse) closes the socket (4003). */
	sessionId: z.uuid().nullable(),
	name: z.string().max(64).nullable(),
	tokenExpiresAt: z.number().int().nullable(),
});
export type ViewerConnect = z.infer<typeof ViewerConnectSchema>;

/** Internal headers from the Worker to the LiveStream object. */
export const VIEWER_CONNECT_HEADER = "x-reels-live-viewer";
export const PUBLISHER_CONNECT_HEADER = "x-reels-live-publisher";

export const ChatMessageSchema = z.object({
	id: z.string(),
	userId: z.string(),
	name: z.string().nullable(),
	text: z.string(),
	at: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** The stream's status as viewers are told it (StreamStatus in stream-host.ts). */
const LiveStatusSchema = z.enum(["idle", "live", "ended"]) satisfies z.ZodType<StreamStatus>;

/**
 * Server → viewer messages (docs/events.md, "Live streams"). A schema, so the OpenAPI document
 * carries it as a component (`LiveSocketMessage`) and the web app's generated types include it.
 */
export const LiveSocketMessageSchema = z.discriminatedUnion("type", [
	z.object({
		type: z.literal("WELCOME"),
		data: z.object({ status: LiveStatusSchema, viewers: z.number().int(), chat: z.array(ChatMessageSchema) }),
	}),
	z.object({ type: z.literal("VIEWERS"), data: z.object({ count: z.number().int() }) }),
	z.object({ type: z.literal("STATUS"), data: z.object({ status: LiveStatusSchema, reason: z.string().optional() }) }),
	z.object({ type: z.literal("CHAT"), data: ChatMessageSchema }),
	z.object({ type: z.literal("ERROR"), data: z.object({ code: z.string(), message: z.string() }) }),
]);
export type LiveSocketMessage = z.infer<typeof LiveSocketMessageSchema>;

const parseJson = (text: string): unknown => {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
};

/**
 * What a viewer's frame says: a chat message to broadcast (with the sender's new rate state), or
 * the error to answer. Pure: the object stores the rate state on the socket.
 */
export function chatFrom(
	viewer: ViewerConnect & { chatTat: number },
	frame: string,
	now: number,
): { message: ChatMessage; chatTat: number } | { error: { code: string; message: string } } {
	if (!viewer.userId || (viewer.tokenExpiresAt !== null && viewer.tokenExpiresAt * 1000 < now)) {
		return { error: { code: "sign_in_to_chat", message: "Sign in to chat." } };
	}
	const parsed = ViewerMessageSchema.safeParse(parseJson(frame));
	if (!parsed.success) return { error: { code: "invalid_chat", message: 'Send {"type":"CHAT","text":"…"} with 1 to 300 characters.' } };
	const decision = gcra(CHAT_QUOTA, viewer.chatTat || undefined, now);
	if (!decision.allowed) return { error: { code: "slow_down", message: `Wait ${decision.retryAfterSeconds} s before your next message.` } };
	const message = {
		id: crypto.randomUUID(),
		userId: viewer.userId,
		name: viewer.name,
		text: parsed.data.text,
		at: new Date(now).toISOString(),
	};
	return { message, chatTat: decision.tatMs };
}
