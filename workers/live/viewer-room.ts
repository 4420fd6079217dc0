// The viewers' side of a LiveStream object: their sockets (hibernation API, tagged "viewer"), the
// count, chat and status broadcasts. Transport only; what a chat frame may say is decided by
// `chatFrom` (live-chat.ts), and the limits are the notification socket's.

import { answerSubprotocol } from "../lib/http/websocket-subprotocols";
import { gcra } from "../lib/rate-limit/gcra";
import { closeQuietly } from "../realtime/close-code";
import { FrameWindows } from "../realtime/frame-window";
import { INBOUND_WINDOW_MS, MAX_INBOUND_FRAME_BYTES, MAX_INBOUND_FRAMES, MAX_SOCKETS_PER_USER } from "../realtime/socket-limits";
import { chatFrom, type LiveSocketMessage, type ViewerConnect } from "./live-chat";
import { LIVE_CLOSE } from "./live-close-codes";
import type { chatLog } from "./live-storage";
import type { StreamStatus } from "./stream-host";

/** Kept on the socket itself, so it survives hibernation. */
export type ViewerAttachment = { role: "viewer"; chatTat: number } & ViewerConnect;

/**
 * Count messages go out at most once per COUNT_INTERVAL_MS: a crowd of n arriving would otherwise
 * send every viewer a message per arrival, n² in all; coalesced it is n a second. Past
 * COUNT_SENDS_PER_SECOND viewers the interval grows with the crowd, so count messages never cost the
 * object more than that many sends a second (about 0.08 ms of CPU each: bench:live-crowd). A viewer
 * learns the count on arrival from WELCOME.
 */
export const COUNT_INTERVAL_MS = 1_000;
export const COUNT_SENDS_PER_SECOND = 5_000;

/** How often the count may go to `viewers` sockets: every second, or less often past COUNT_SENDS_PER_SECOND of them. */
export const countInterval = (viewers: number) => Math.max(COUNT_INTERVAL_MS, Math.ceil((viewers * 1000) / COUNT_SENDS_PER_SECOND));

/** How long to wait before the next count message (0: send now), the last one having gone out at `lastAt`. */
export const countDelay = (lastAt: number, now: number, viewers = 0) => Math.max(0, lastAt + countInterval(viewers) - now);

/**
 * Chat messages a second the room takes with `viewers` watching, so that it sends at most
 * `sendsPerSecond` (LIVE_CHAT_SENDS_PER_SECOND: messages × viewers) but at least one message a
 * second, however large the crowd. Every message goes to every viewer, so with everyone chatting at
 * their own rate the sends would grow with the square of the crowd; slow mode keeps them linear.
 */
export const roomChatRate = (viewers: number, sendsPerSecond: number) => Math.max(1, Math.floor(sendsPerSecond / Math.max(1, viewers)));

/** The close code every socket of an ended session gets, live or notification (docs/events.md). */
export const SESSION_ENDED_CLOSE = 4003;

const userTag = (userId: string) => `user:${userId}`;
export const envelope = (m: LiveSocketMessage) => JSON.stringify({ ...m, seq: 0, at: new Date().toISOString() });

export class ViewerRoom {
	private readonly ctx: DurableObjectState;
	private readonly chat: ReturnType<typeof chatLog>;
	private lastCountAt = 0;
	private countTimer: ReturnType<typeof setTimeout> | undefined;
	/** The room's chat rate state (GCRA); in memory: an object that hibernated starts the second afresh. */
	private roomChatTat: number | undefined;
	/** Frames per viewer socket in the current window. */
	private readonly inbound = new FrameWindows(MAX_INBOUND_FRAMES, INBOUND_WINDOW_MS);

	constructor(
		ctx: DurableObjectState,
		chat: ReturnType<typeof chatLog>,
		private readonly chatSendsPerSecond: number,
	) {
		this.ctx = ctx;
		this.chat = chat;
	}

	get count(): number {
		return this.ctx.getWebSockets("viewer").length;
	}

	/** Accepts a viewer (a user's oldest socket past 8 is closed), welcomes it, and tells everyone the new count. */
	connect(viewer: ViewerConnect, request: Request, status: StreamStatus): Response {
		if (viewer.userId) {
			const theirs = this.ctx.getWebSockets(userTag(viewer.userId));
			for (const old of theirs.slice(0, Math.max(0, theirs.length - MAX_SOCKETS_PER_USER + 1))) {
				closeQuietly(old, LIVE_CLOSE.tooManySockets, "too many connections for this user");
			}
		}
		const { 0: client, 1: server } = new WebSocketPair();
		this.ctx.acceptWebSocket(server, ["viewer", ...(viewer.userId ? [userTag(viewer.userId)] : [])]);
		server.serializeAttachment({ role: "viewer", chatTat: 0, ...viewer } satisfies ViewerAttachment);
		server.send(envelope({ type: "WELCOME", data: { status, viewers: this.count, chat: this.chat.recent() } }));
		this.countChanged();
		return new Response(null, { status: 101, webSocket: client, headers: answerSubprotocol(request, (p) => p === "bearer") });
	}

	/** A viewer's frame: closed past the size or rate limits, else a chat message or an error answered to it. */
	message(ws: WebSocket, att: ViewerAttachment, message: string | ArrayBuffer) {
		const size = typeof message === "string" ? message.length : message.byteLength;
		if (size > MAX_INBOUND_FRAME_BYTES) return closeQuietly(ws, LIVE_CLOSE.tooBig, "message too big");
		const now = Date.now();
		if (this.inbound.over(ws, now)) return closeQuietly(ws, LIVE_CLOSE.policy, "too many messages");
		const outcome = chatFrom(att, typeof message === "string" ? message : "", now);
		if ("error" in outcome) return ws.send(envelope({ type: "ERROR", data: outcome.error }));
		// One list for the rate and the broadcast: with a crowd it is tens of thousands of sockets long.
		const sockets = this.ctx.getWebSockets("viewer");
		const viewers = sockets.length;
		const rate = roomChatRate(viewers, this.chatSendsPerSecond);
		const room = gcra({ limit: rate, periodSeconds: 1 }, this.roomChatTat, now);
		if (!room.allowed) {
			// Refused before the sender's own rate is charged: the message was not sent.
			const busy = `Slow mode: ${viewers} are watching, so the chat takes ${rate} messages a second; try again in a moment.`;
			return ws.send(envelope({ type: "ERROR", data: { code: "chat_busy", message: busy } }));
		}
		this.roomChatTat = room.tatMs;
		att.chatTat = outcome.chatTat;
		ws.serializeAttachment(att);
		this.chat.add(outcome.message);
		this.broadcast({ type: "CHAT", data: outcome.message }, sockets);
	}

	/** Closes the viewer sockets of one ended session of `userId` (4003, as the notification sockets); returns how many. */
	endSession(userId: string, sessionId: string): number {
		let closed = 0;
		for (const ws of this.ctx.getWebSockets(userTag(userId))) {
			if ((ws.deserializeAttachment() as ViewerAttachment | null)?.sessionId !== sessionId) continue;
			closeQuietly(ws, SESSION_ENDED_CLOSE, "session ended");
			closed++;
		}
		if (closed) this.countChanged();
		return closed;
	}

	/** The count changed: told to everyone now, or with the next message an interval after the last (coalesced). */
	countChanged(): void {
		if (this.countTimer) return; // the message already due will carry the newest count
		const wait = countDelay(this.lastCountAt, Date.now(), this.count);
		if (wait === 0) {
			this.sendCount();
			return;
		}
		this.countTimer = setTimeout(() => {
			this.countTimer = undefined;
			this.sendCount();
		}, wait);
	}

	private sendCount(): void {
		this.lastCountAt = Date.now();
		const sockets = this.ctx.getWebSockets("viewer");
		this.broadcast({ type: "VIEWERS", data: { count: sockets.length } }, sockets);
	}

	/** Sends `message` to every viewer (`sockets`: the list the caller already read). */
	broadcast(message: LiveSocketMessage, sockets = this.ctx.getWebSockets("viewer")): void {
		const text = envelope(message);
		for (const ws of sockets) {
			try {
				ws.send(text);
			} catch {
				// Closing: it is told nothing more.
			}
		}
	}
}
