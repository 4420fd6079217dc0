import { DurableObject } from "cloudflare:workers";
import { configOf } from "../workers/lib/config/config";
import { logger } from "../workers/lib/observability/logger";
import { PUBLISHER_CONNECT_HEADER, VIEWER_CONNECT_HEADER, ViewerConnectSchema } from "../workers/live/live-chat";
import { LIVE_CLOSE } from "../workers/live/live-close-codes";
import { chatLog, createLiveTables, sqlEntryStore } from "../workers/live/live-storage";
import type { LiveIdentity } from "../workers/live/live-store";
import { PUBLISHER_TAG, type PublisherAttachment, PublisherIngest } from "../workers/live/publisher-ingest";
import { StreamBeat } from "../workers/live/stream-beat";
import { initialStreamState, type StreamHost, type StreamState } from "../workers/live/stream-host";
import { type ViewerAttachment, ViewerRoom } from "../workers/live/viewer-room";
import { closeCodeFor, closeQuietly } from "../workers/realtime/close-code";
import { liveTranscoderClient } from "../workers/transcoder/live-transcoder-client";

/** After a beat that failed (D1, R2 or the transcoder unreachable), the next one comes this much later. */
const BEAT_RETRY_MS = 2_000;

type Attachment = PublisherAttachment | ViewerAttachment;

/**
 * One live stream: its publisher's socket (`PublisherIngest`), its viewers' sockets (`ViewerRoom`)
 * and its alarm (`StreamBeat`), around the state they share. The Worker has checked the stream key
 * (or the viewer's sign-in) before an upgrade reaches here.
 */
export class LiveStream extends DurableObject<Env> {
	private state: StreamState = initialStreamState();
	private who: LiveIdentity | undefined;
	/** What the parts share; not on the class itself, so none of it is an RPC method. */
	private readonly host: StreamHost;
	private readonly ingest: PublisherIngest;
	private readonly viewers: ViewerRoom;
	private readonly beat: StreamBeat;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		void ctx.blockConcurrencyWhile(async () => {
			this.state = (await ctx.storage.get<StreamState>("state")) ?? initialStreamState();
			this.who = await ctx.storage.get<LiveIdentity>("who");
		});
		createLiveTables(ctx.storage.sql);
		const object = this;
		this.host = {
			env,
			get state() {
				return object.state;
			},
			get who() {
				return object.who;
			},
			publishers: () => ctx.getWebSockets(PUBLISHER_TAG),
			save: () => ctx.storage.put("state", this.state),
			ensureAlarm: (at) => this.ensureAlarm(at),
			encoder: () => liveTranscoderClient(env, `${this.who?.streamId ?? "unknown"}-g${this.state.publish.generation}`),
		};
		this.ingest = new PublisherIngest(ctx, this.host);
		this.viewers = new ViewerRoom(ctx, chatLog(ctx.storage.sql), configOf(env).LIVE_CHAT_SENDS_PER_SECOND);
		this.beat = new StreamBeat(this.host, { ingest: this.ingest, viewers: this.viewers, entries: sqlEntryStore(ctx.storage.sql) });
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"PING"}', '{"type":"PONG"}'));
	}

	override async fetch(request: Request): Promise<Response> {
		if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
		const publisher = request.headers.get(PUBLISHER_CONNECT_HEADER);
		if (publisher) {
			if (!this.who) {
				this.who = JSON.parse(publisher) as LiveIdentity;
				await this.ctx.storage.put("who", this.who);
			}
			return this.ingest.connect(request);
		}
		const viewer = ViewerConnectSchema.safeParse(JSON.parse(request.headers.get(VIEWER_CONNECT_HEADER) ?? "null"));
		if (!viewer.success) return new Response("missing or malformed connection metadata", { status: 400 });
		// A live stream always has its next beat set; a viewer arriving makes sure of it.
		if (this.state.status === "live") await this.ensureAlarm(Date.now() + 1_000);
		return this.viewers.connect(viewer.data, request, this.state.status);
	}

	/**
	 * The stream key itself, for its owner's GET: D1 keeps only its SHA-256 (checked before any upgrade),
	 * so a leaked database holds no usable key; each object holds its own stream's.
	 */
	async rememberKey(key: string): Promise<void> {
		await this.ctx.storage.put("streamKey", key);
	}

	async streamKey(): Promise<string | null> {
		return (await this.ctx.storage.get<string>("streamKey")) ?? null;
	}

	/** Closes the viewer sockets of an ended session (logout, refresh-token reuse): realtime/end-session.ts. */
	async endSession(userId: string, sessionId: string): Promise<number> {
		return this.viewers.endSession(userId, sessionId);
	}

	/** Viewers connected now (GET /api/live/:id). */
	async viewerCount(): Promise<number> {
		return this.viewers.count;
	}

	override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
		const att = ws.deserializeAttachment() as Attachment | null;
		if (att?.role === "publisher") return this.ingest.message(ws, att, message);
		if (att?.role === "viewer") return this.viewers.message(ws, att, message);
		closeQuietly(ws, LIVE_CLOSE.policy, "not expecting messages");
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string) {
		closeQuietly(ws, closeCodeFor(code), reason.slice(0, 120));
		const att = ws.deserializeAttachment() as Attachment | null;
		if (att?.role === "viewer") this.viewers.countChanged();
		if (att?.role === "publisher") await this.ingest.closed(att, code);
	}

	override async alarm() {
		try {
			const next = await this.beat.run();
			if (next !== null) await this.ctx.storage.setAlarm(next);
		} catch (err) {
			// The platform retries a failed alarm only a few times, then drops it: a stream must never stop beating.
			logger.error("live_beat_failed", { streamId: this.who?.streamId, error: (err as Error).message });
			await this.ctx.storage.setAlarm(Date.now() + BEAT_RETRY_MS);
		}
	}

	private async ensureAlarm(at: number): Promise<void> {
		const current = await this.ctx.storage.getAlarm();
		if (current === null || current > at) await this.ctx.storage.setAlarm(at);
	}
}
