// Live streams from the browser: publishing the camera (MediaRecorder's WebM,
// one binary WebSocket frame per slice, to the stream's ingest socket) and
// watching (the stream's socket: status, viewer count, chat). No UI here.
import { accessToken, answer, api } from "./api";
import type { ChatMessage, LiveStream, Schemas } from "./types";

export const createLive = (title: string) => answer(api.POST("/api/live", { body: title ? { title } : {} }));
export const getLive = (id: string) => answer(api.GET("/api/live/{id}", { params: { path: { id } } }));
export const listLive = () => answer(api.GET("/api/live", { params: { query: { limit: 30 } } }));

const socketUrl = (path: string) => {
	const url = new URL(path, location.href);
	url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
	return url.href;
};

/** Close codes after which reconnecting cannot help (docs/events.md, "Live streams"). */
const FINAL = new Set([1000, 1008, 1009, 4400, 4408, 4409, 4410, 4415]);
/** A slice a quarter of a second long: small frames, little delay. */
const SLICE_MS = 250;

const recorderType = () =>
	["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm"].find((t) => MediaRecorder.isTypeSupported(t));

/**
 * Sends `media` to the stream until `stop()`. A connection that drops, or that the server asks to
 * renew (1012: its encoder restarted), is opened again with a new recorder, since a WebM stream
 * can only be read from its start: the stream goes on after a discontinuity.
 */
export function publishCamera(stream: LiveStream, media: MediaStream, onClose: (code: number, reason: string) => void) {
	let stopped = false;
	let recorder: MediaRecorder | undefined;
	let socket: WebSocket | undefined;
	const connect = () => {
		const ws = new WebSocket(socketUrl(stream.ingest.websocket), [`key.${stream.streamKey ?? ""}`]);
		socket = ws;
		// Slices are sent in the order they were recorded, whatever the time each takes to read.
		let sending = Promise.resolve();
		const rec = new MediaRecorder(media, { mimeType: recorderType(), videoBitsPerSecond: 2_500_000 });
		recorder = rec;
		rec.ondataavailable = (e) => {
			if (e.data.size === 0) return;
			sending = sending.then(async () => {
				const bytes = await e.data.arrayBuffer();
				if (ws.readyState === WebSocket.OPEN) ws.send(bytes);
			});
		};
		rec.onstop = () => {
			void sending.then(() => {
				if (stopped && ws.readyState === WebSocket.OPEN) ws.close(1000, "done");
			});
		};
		ws.onopen = () => rec.start(SLICE_MS);
		ws.onclose = (e) => {
			if (rec.state !== "inactive") rec.stop();
			if (stopped || FINAL.has(e.code)) return onClose(e.code, e.reason);
			setTimeout(connect, 1_000);
		};
	};
	connect();
	return {
		stop() {
			stopped = true;
			if (recorder && recorder.state !== "inactive") recorder.stop();
			else socket?.close(1000, "done");
		},
	};
}

export interface LiveEvents {
	status(status: LiveStream["status"]): void;
	viewers(count: number): void;
	chat(message: ChatMessage): void;
	error(message: string): void;
}

/** Chat typed while the socket is still opening (or reopening) waits for it, up to this many messages. */
const CHAT_WAITING_MAX = 10;

/** The stream's own socket; signed-in viewers may chat. Reconnects until `close()`. */
export function watchLive(id: string, on: LiveEvents) {
	let closed = false;
	let socket: WebSocket | undefined;
	const waiting: string[] = [];
	const connect = async () => {
		const token = await accessToken();
		// Closed while the token was being read (the page left, or the person changed): open nothing.
		if (closed) return;
		const ws = new WebSocket(socketUrl(`/api/live/${id}/ws`), token ? ["bearer", token] : []);
		socket = ws;
		ws.onopen = () => {
			for (const m of waiting.splice(0)) ws.send(m);
		};
		ws.onmessage = (e) => {
			// The stream's own socket: what it sends is the server's contract (LiveSocketMessage).
			const m = JSON.parse(String(e.data)) as Schemas["LiveSocketMessage"];
			if (m.type === "WELCOME") {
				on.status(m.data.status);
				on.viewers(m.data.viewers);
				for (const c of m.data.chat) on.chat(c);
			} else if (m.type === "VIEWERS") on.viewers(m.data.count);
			else if (m.type === "STATUS") on.status(m.data.status);
			else if (m.type === "CHAT") on.chat(m.data);
			else if (m.type === "ERROR") on.error(m.data.message);
		};
		ws.onclose = () => {
			if (!closed) setTimeout(() => void connect(), 2_000);
		};
	};
	void connect();
	return {
		say(text: string) {
			const message = JSON.stringify({ type: "CHAT", text });
			if (socket?.readyState === WebSocket.OPEN) socket.send(message);
			else if (waiting.length < CHAT_WAITING_MAX) waiting.push(message);
			else on.error("Not connected to the chat yet; try again in a moment.");
		},
		close() {
			closed = true;
			socket?.close(1000);
		},
	};
}
