import { DurableObject } from "cloudflare:workers";
import { configOf } from "../workers/lib/config/config";
import { answerSubprotocol } from "../workers/lib/http/websocket-subprotocols";
import { record } from "../workers/lib/observability/analytics";
import { closeCodeFor, closeQuietly } from "../workers/realtime/close-code";
import {
	type ControlType,
	type Envelope,
	SHARD_CONNECT_HEADER,
	type ShardConnect,
	ShardConnectSchema,
	type UserEvent,
} from "../workers/realtime/events";
import { FrameWindows } from "../workers/realtime/frame-window";
import { ringFor } from "../workers/realtime/ring-config";
import { INBOUND_WINDOW_MS, MAX_INBOUND_FRAME_BYTES, MAX_INBOUND_FRAMES, MAX_SOCKETS_PER_USER } from "../workers/realtime/socket-limits";

/** Connection metadata kept on the socket itself, so it survives hibernation. */
interface SocketAttachment {
	userId: string;
	sessionId: string;
	tokenExpiresAt: number;
	connectedAt: string;
}

const SWEEP_INTERVAL_MS = 60_000;
const CLOSE_TOKEN_EXPIRED = 4001;
const CLOSE_RESHARDED = 4002;
const CLOSE_SESSION_ENDED = 4003;
const CLOSE_TOO_MANY_SOCKETS = 4008;
const CLOSE_POLICY = 1008;
const CLOSE_TOO_BIG = 1009;

const userTag = (userId: string) => `user:${userId}`;
const topicTag = (topic: string) => `topic:${topic}`;

/**
 * One shard of the real-time plane. Holds the sockets of the users the ring
 * assigns to it (hibernation API: idle sockets cost nothing; PING is answered by
 * the runtime), numbers each user's events, keeps the recent ones in SQLite for
 * recovery after a reconnect, and sweeps by alarm: prunes old events, closes
 * sockets whose token expired, and sends RECONNECT to users the ring moved away.
 * Publishing reaches it only through RPC (`deliver`, `broadcast`); the Worker
 * authenticates sockets before they get here.
 */
export class NotificationShard extends DurableObject<Env> {
	private readonly sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		this.sql.exec(
			`CREATE TABLE IF NOT EXISTS events (user_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, at TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (user_id, seq))`,
		);
		this.sql.exec(`CREATE TABLE IF NOT EXISTS user_seq (user_id TEXT PRIMARY KEY, seq INTEGER NOT NULL)`);
		this.sql.exec(`CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
		// Live streams a session watches (realtime/end-session.ts): ending the session closes those sockets too.
		this.sql.exec(
			`CREATE TABLE IF NOT EXISTS live_sockets (session_id TEXT NOT NULL, stream_id TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (session_id, stream_id))`,
		);
		this.sql.exec("CREATE INDEX IF NOT EXISTS live_sockets_expiry ON live_sockets (expires_at)");
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"PING"}', '{"type":"PONG"}'));
	}

	override async fetch(request: Request): Promise<Response> {
		if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
		const parsed = ShardConnectSchema.safeParse(JSON.parse(request.headers.get(SHARD_CONNECT_HEADER) ?? "null"));
		if (!parsed.success) return new Response("missing or malformed connection metadata", { status: 400 });
		const meta = parsed.data;
		await this.ctx.storage.put("shardIndex", meta.shardIndex);

		// Oldest first: a user past the cap loses their oldest socket, not the one connecting now.
		const theirs = this.ctx.getWebSockets(userTag(meta.userId));
		for (const old of theirs.slice(0, Math.max(0, theirs.length - MAX_SOCKETS_PER_USER + 1))) {
			closeQuietly(old, CLOSE_TOO_MANY_SOCKETS, "too many connections for this user");
		}
		const { 0: client, 1: server } = new WebSocketPair();
		this.ctx.acceptWebSocket(server, [userTag(meta.userId), ...meta.topics.map(topicTag)]);
		server.serializeAttachment({
			userId: meta.userId,
			sessionId: meta.sessionId,
			tokenExpiresAt: meta.tokenExpiresAt,
			connectedAt: new Date().toISOString(),
		} satisfies SocketAttachment);
		if (meta.since !== undefined) this.replay(server, meta);
		await this.ensureSweep();
		record(this.env, "socket", ["connect", String(meta.shardIndex), ""], [this.ctx.getWebSockets().length]);
		return new Response(null, { status: 101, webSocket: client, headers: answerSubprotocol(request, (p) => p === "bearer") });
	}

	/** Numbers, stores and delivers events to users of this shard; one RPC per publish per shard. */
	async deliver(events: UserEvent[]): Promise<{ userId: string; seq: number; sockets: number }[]> {
		const at = new Date().toISOString();
		const retain = configOf(this.env).REALTIME_RETAIN_EVENTS;
		const results = [];
		for (const e of events) {
			const seq = this.sql
				.exec<{ seq: number }>(
					"INSERT INTO user_seq (user_id, seq) VALUES (?, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1 RETURNING seq",
					e.userId,
				)
				.one().seq;
			const data = JSON.stringify(e.data ?? null);
			this.sql.exec("INSERT INTO events (user_id, seq, type, at, data) VALUES (?, ?, ?, ?, ?)", e.userId, seq, e.type, at, data);
			this.sql.exec("DELETE FROM events WHERE user_id = ? AND seq <= ?", e.userId, seq - retain);
			const sockets = this.sendTo(userTag(e.userId), { type: e.type, seq, at, data: e.data ?? null });
			results.push({ userId: e.userId, seq, sockets });
		}
		await this.ensureSweep();
		return results;
	}

	/** Sends a broadcast to every socket subscribed to `topic` on this shard. */
	async broadcast(topic: string, type: string, data: unknown): Promise<number> {
		return this.sendTo(topicTag(topic), { type, seq: 0, at: new Date().toISOString(), data });
	}

	/** Closes the sockets of one session at once (logout, or a stolen refresh token revoking it); returns how many. */
	async endSession(userId: string, sessionId: string): Promise<number> {
		let closed = 0;
		for (const ws of this.ctx.getWebSockets(userTag(userId))) {
			if ((ws.deserializeAttachment() as SocketAttachment | null)?.sessionId !== sessionId) continue;
			try {
				ws.send(JSON.stringify(control("SESSION_ENDED", { reason: "signed out" })));
			} catch {
				// Closing anyway.
			}
			closeQuietly(ws, CLOSE_SESSION_ENDED, "session ended");
			closed++;
		}
		return closed;
	}

	/**
	 * The account is gone: every socket of it closes (4003) and what this shard kept for it (its
	 * recent events, its sequence) is deleted. Returns how many sockets closed.
	 */
	async forgetUser(userId: string): Promise<number> {
		let closed = 0;
		for (const ws of this.ctx.getWebSockets(userTag(userId))) {
			try {
				ws.send(JSON.stringify(control("SESSION_ENDED", { reason: "account deleted" })));
			} catch {
				// Closing anyway.
			}
			closeQuietly(ws, CLOSE_SESSION_ENDED, "account deleted");
			closed++;
		}
		this.sql.exec("DELETE FROM events WHERE user_id = ?", userId);
		this.sql.exec("DELETE FROM user_seq WHERE user_id = ?", userId);
		return closed;
	}

	/** Remembers a live viewer socket of `sessionId` until its token expires; forgets expired ones. */
	async trackLiveSocket(sessionId: string, streamId: string, expiresAt: number): Promise<void> {
		this.sql.exec("DELETE FROM live_sockets WHERE expires_at < ?", Math.floor(Date.now() / 1000));
		this.sql.exec(
			"INSERT INTO live_sockets (session_id, stream_id, expires_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)",
			sessionId,
			streamId,
			expiresAt,
		);
	}

	/** The live streams `sessionId` had viewer sockets on, forgotten as they are read (the session is ending). */
	async liveStreamsOf(sessionId: string): Promise<string[]> {
		const rows = this.sql
			.exec<{ stream_id: string }>("DELETE FROM live_sockets WHERE session_id = ? RETURNING stream_id", sessionId)
			.toArray();
		return rows.map((r) => r.stream_id);
	}

	async stats(): Promise<{ connections: number; users: number; delivered: number; storedEvents: number }> {
		const sockets = this.ctx.getWebSockets();
		const users = new Set(sockets.map((ws) => (ws.deserializeAttachment() as SocketAttachment | null)?.userId));
		const delivered = this.sql.exec<{ value: number }>("SELECT value FROM counters WHERE name = 'delivered'").toArray()[0]?.value ?? 0;
		const storedEvents = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n;
		return { connections: sockets.length, users: users.size, delivered, storedEvents };
	}

	override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
		if (this.closeIfExpired(ws)) return;
		const size = typeof message === "string" ? message.length : message.byteLength;
		if (size > MAX_INBOUND_FRAME_BYTES) return closeQuietly(ws, CLOSE_TOO_BIG, "message too big");
		if (this.inbound.over(ws)) return closeQuietly(ws, CLOSE_POLICY, "too many messages");
		// Clients only ping (answered by the auto-response); anything else is answered, not trusted.
		const text = typeof message === "string" ? message : "";
		ws.send(JSON.stringify(control("ERROR", { code: "unsupported_message", received: text.slice(0, 64) })));
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string) {
		closeQuietly(ws, closeCodeFor(code), reason.slice(0, 120));
		const shard = await this.ctx.storage.get<number>("shardIndex");
		record(this.env, "socket", ["disconnect", String(shard ?? ""), String(code)], [this.ctx.getWebSockets().length]);
	}

	override async alarm() {
		const cutoff = new Date(Date.now() - configOf(this.env).REALTIME_RETAIN_HOURS * 3_600_000).toISOString();
		this.sql.exec("DELETE FROM events WHERE at < ?", cutoff);
		const index = await this.ctx.storage.get<number>("shardIndex");
		const ring = ringFor(this.env);
		for (const ws of this.ctx.getWebSockets()) {
			if (this.closeIfExpired(ws)) continue;
			const att = ws.deserializeAttachment() as SocketAttachment | null;
			// After a deploy that changed the shard count, users the ring moved reconnect (and recover).
			if (att && index !== undefined && ring.shardOf(att.userId) !== index) {
				ws.send(JSON.stringify(control("RECONNECT", { reason: "resharded" })));
				ws.close(CLOSE_RESHARDED, "resharded");
			}
		}
		const remaining = this.ctx.getWebSockets().length + this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n;
		if (remaining > 0) await this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
	}

	/** Missed events after `since`, then RECOVERED (false when some were already pruned or seq history was lost). */
	private replay(ws: WebSocket, meta: ShardConnect) {
		const since = meta.since ?? 0;
		const current = this.sql.exec<{ seq: number }>("SELECT seq FROM user_seq WHERE user_id = ?", meta.userId).toArray()[0]?.seq ?? 0;
		const missed = this.sql
			.exec<{ seq: number; type: string; at: string; data: string }>(
				"SELECT seq, type, at, data FROM events WHERE user_id = ? AND seq > ? ORDER BY seq",
				meta.userId,
				since,
			)
			.toArray();
		for (const e of missed) ws.send(JSON.stringify({ type: e.type, seq: e.seq, at: e.at, data: JSON.parse(e.data) } satisfies Envelope));
		const complete = since <= current && (since === current || missed[0]?.seq === since + 1);
		ws.send(JSON.stringify(control("RECOVERED", { recovered: complete, replayed: missed.length, latestSeq: current })));
	}

	private sendTo(tag: string, envelope: Envelope): number {
		const text = JSON.stringify(envelope);
		let sent = 0;
		for (const ws of this.ctx.getWebSockets(tag)) {
			if (this.closeIfExpired(ws)) continue;
			try {
				ws.send(text);
				sent++;
			} catch {
				// A socket closing mid-send: the inbox and the recovery window still hold the event.
			}
		}
		if (sent > 0) {
			this.sql.exec(
				"INSERT INTO counters (name, value) VALUES ('delivered', ?) ON CONFLICT (name) DO UPDATE SET value = value + ?",
				sent,
				sent,
			);
		}
		return sent;
	}

	/** Frames per socket in the current window. */
	private readonly inbound = new FrameWindows(MAX_INBOUND_FRAMES, INBOUND_WINDOW_MS);

	/**
	 * Each socket's token expiry (ms), read from its attachment once per wake instead of on every
	 * send: a broadcast checks every socket of the shard, and the attachment never changes after the
	 * upgrade. A CPU profile of bench:ws had deserializeAttachment and this check at 9 % of the
	 * runtime's samples; with the cache, 3 % (docs/benchmarks.md#websocket-fan-out-npm-run-benchws).
	 */
	private readonly expiresAt = new WeakMap<WebSocket, number>();

	private closeIfExpired(ws: WebSocket): boolean {
		let expires = this.expiresAt.get(ws);
		if (expires === undefined) {
			const att = ws.deserializeAttachment() as SocketAttachment | null;
			expires = att ? att.tokenExpiresAt * 1000 : Number.POSITIVE_INFINITY;
			this.expiresAt.set(ws, expires);
		}
		if (expires > Date.now()) return false;
		ws.close(CLOSE_TOKEN_EXPIRED, "token expired");
		return true;
	}

	private async ensureSweep() {
		if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
	}
}

const control = (type: ControlType, data: unknown): Envelope => ({ type, seq: 0, at: new Date().toISOString(), data });
