// The notification WebSocket: one per signed-in tab. Reconnects with backoff
// and asks for what it missed (`?since=<last seq>`); when the shard cannot
// replay everything (RECOVERED with recovered: false) the inbox API is read
// instead. Listeners get every event; the unread count is kept here.

import { signal } from "@preact/signals";
import { accessToken, answer, api, forgetSession, session } from "./api";
import type { Schemas } from "./types";

export interface Envelope {
	type: string;
	seq: number;
	at: string;
	data: Record<string, unknown>;
}

export const unread = signal(0);
/**
 * Notifying events received on the socket since the page loaded, newest first. The bell shows
 * them with the inbox: the inbox is read from the replica, which may not have replayed an event
 * the socket already delivered.
 */
export const live = signal<Envelope[]>([]);
export const connected = signal(false);
const listeners = new Set<(e: Envelope) => void>();
/**
 * Which of the server's event types ring the bell (the others say how an upload goes). Every type
 * is listed: one the server adds fails the type check here until it is decided.
 */
const RINGS: Record<Schemas["UserEventType"], boolean> = {
	NEW_REEL: true,
	REEL_LIKED: true,
	NEW_FOLLOWER: true,
	FOLLOW_REQUESTED: true,
	FOLLOW_ACCEPTED: true,
	NEW_COMMENT: true,
	COMMENT_REPLY: true,
	MENTIONED: true,
	LIVE_STARTED: true,
	TRANSCODE_READY: true,
	TRANSCODE_FAILED: true,
	WEBHOOK_DISABLED: true,
	EXPORT_READY: true,
	TRANSCODE_PROGRESS: false,
	TRANSCODE_PLAYABLE: false,
};
const isEventType = (type: string): type is Schemas["UserEventType"] => Object.hasOwn(RINGS, type);
const rings = (type: string): boolean => isEventType(type) && RINGS[type];

let socket: WebSocket | undefined;
let lastSeq: number | undefined;
let attempt = 0;
let stopped = true;
let timer: ReturnType<typeof setTimeout> | undefined;

/** Subscribes to every event (returns the unsubscribe). */
export function onEvent(fn: (e: Envelope) => void): () => void {
	listeners.add(fn);
	return () => listeners.delete(fn);
}

export async function refreshUnread(): Promise<void> {
	try {
		const page = await answer(api.GET("/api/notifications", { params: { query: { limit: 1 } } }));
		unread.value = page.unread;
	} catch {
		// offline or signed out: the count stays as it was
	}
}

/** The close code the server sends a socket whose session ended (workers/realtime/close-code.ts). */
const SESSION_ENDED = 4003;

async function open(): Promise<void> {
	const token = await accessToken();
	if (!token || stopped) return;
	const since = lastSeq === undefined ? "" : `?since=${lastSeq}`;
	const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws${since}`, ["bearer", token]);
	socket = ws;
	ws.addEventListener("open", () => {
		attempt = 0;
		connected.value = true;
	});
	ws.addEventListener("message", (m) => {
		const e = JSON.parse(String(m.data)) as Envelope;
		if (e.seq > 0) lastSeq = Math.max(lastSeq ?? 0, e.seq);
		if (e.type === "RECOVERED" && !(e.data as { recovered?: boolean }).recovered) void refreshUnread();
		if (e.seq > 0 && rings(e.type)) {
			unread.value = unread.value + 1;
			live.value = [e, ...live.value].slice(0, 50);
		}
		for (const fn of listeners) fn(e);
	});
	ws.addEventListener("close", (e) => {
		connected.value = false;
		if (socket !== ws || stopped) return;
		// 4003: the server ended this session (signed out elsewhere, a password reset, the account
		// deleted). Reconnecting would only be refused: this browser signs out too.
		if (e.code === SESSION_ENDED) return forgetSession();
		// Backoff with jitter, capped at 30 s; the next socket asks for what it missed.
		const delay = Math.min(30_000, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2);
		timer = setTimeout(() => void open(), delay);
	});
}

/** Keeps a socket open while someone is signed in. */
export function startRealtime(): void {
	session.subscribe((s) => {
		if (s && stopped) {
			stopped = false;
			lastSeq = undefined;
			void refreshUnread();
			void open();
		} else if (!s && !stopped) {
			stopped = true;
			clearTimeout(timer);
			socket?.close();
			socket = undefined;
			unread.value = 0;
			live.value = [];
		}
	});
	window.addEventListener("online", () => {
		if (!stopped && (!socket || socket.readyState === WebSocket.CLOSED)) void open();
	});
}
