import { DurableObject } from "cloudflare:workers";

/** What the Worker attaches to each socket after authenticating it; survives hibernation. */
interface SocketAttachment {
	userId: string;
	connectedAt: string;
}

/** Internal header: set only by the Worker after it has authenticated the caller. Shards are never public. */
export const SHARD_USER_HEADER = "x-reels-user-id";

/**
 * One shard of the real-time plane: holds the WebSockets of the users that
 * hash to it and delivers event envelopes to them. Uses the hibernation API,
 * so idle sockets cost nothing; PING is answered by the runtime without waking
 * the object.
 */
export class NotificationShard extends DurableObject<Env> {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"PING"}', '{"type":"PONG"}'));
	}

	override async fetch(request: Request): Promise<Response> {
		if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
			return new Response("expected a WebSocket upgrade", { status: 426 });
		}
		const userId = request.headers.get(SHARD_USER_HEADER);
		if (!userId) return new Response("missing user", { status: 400 });
		const { 0: client, 1: server } = new WebSocketPair();
		// Tagging by user lets deliver() find a user's sockets without a scan.
		this.ctx.acceptWebSocket(server, [userId]);
		server.serializeAttachment({ userId, connectedAt: new Date().toISOString() } satisfies SocketAttachment);
		return new Response(null, { status: 101, webSocket: client });
	}

	/** Sends one event envelope to every open socket of `userId`; returns how many got it. */
	async deliver(userId: string, envelope: { type: string; seq: number; at: string; data: unknown }): Promise<number> {
		const text = JSON.stringify(envelope);
		let delivered = 0;
		for (const ws of this.ctx.getWebSockets(userId)) {
			try {
				ws.send(text);
				delivered++;
			} catch {
				// A socket closing mid-send is dropped; the inbox keeps the event for recovery.
			}
		}
		return delivered;
	}

	/** Number of open sockets on this shard (for health and balancing). */
	async connectionCount(): Promise<number> {
		return this.ctx.getWebSockets().length;
	}

	override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
		// Clients only ping (handled by the auto-response); anything else is answered, not trusted.
		const text = typeof message === "string" ? message : "";
		ws.send(JSON.stringify({ type: "ERROR", data: { code: "unsupported_message", received: text.slice(0, 64) } }));
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string) {
		ws.close(code, reason);
	}
}
