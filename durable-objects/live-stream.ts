import { DurableObject } from "cloudflare:workers";
import { growAsset } from "../workers/cdn/upload/storage-quota";
import { configOf } from "../workers/lib/config/config";
import { answerSubprotocol } from "../workers/lib/http/websocket-subprotocols";
import { mediaDb } from "../workers/lib/media-db/media-db";
import { logger } from "../workers/lib/observability/logger";
import { deletePrefix } from "../workers/lib/r2/delete-prefix";
import { PUBLISHER_CONNECT_HEADER, VIEWER_CONNECT_HEADER, type ViewerConnect, ViewerConnectSchema } from "../workers/live/live-chat";
import { LIVE_CLOSE } from "../workers/live/live-close-codes";
import { entriesSeconds } from "../workers/live/live-playlists";
import { closeLivePlaylists, emptyPublishState, nextGeneration, type PublishState, publishLive } from "../workers/live/live-publisher";
import { announceLiveStarted } from "../workers/live/live-started";
import { chatLog, createLiveTables, sqlEntryStore } from "../workers/live/live-storage";
import { type LiveIdentity, markEnded, markLive, recordedLadder, streamExists } from "../workers/live/live-store";
import { releaseLiveSlot } from "../workers/live/take-live-slot";
import { type ViewerAttachment, ViewerRoom } from "../workers/live/viewer-room";
import { closeCodeFor, closeQuietly } from "../workers/realtime/close-code";
import { FrameWindows } from "../workers/realtime/frame-window";
import { type LiveTranscoderClient, type LiveView, liveTranscoderClient } from "../workers/transcoder/live-transcoder-client";

/** A Worker takes WebSocket messages up to 1 MiB (developers.cloudflare.com/durable-objects/platform/limits/). */
export const MAX_INGEST_FRAME_BYTES = 1024 * 1024;
/**
 * Frames a publisher may send per window. Each frame costs a request to the encoder, so a flood of tiny
 * frames would multiply requests for nothing: FFmpeg writes about 5 a second, MediaRecorder 4.
 */
export const MAX_INGEST_FRAMES = 200;
const INGEST_WINDOW_MS = 2_000;
/** Bytes received but not yet taken by the encoder; past it the publisher sends faster than real time. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
/** A publisher that sent bytes this recently is sending: a second one is refused rather than replacing it. */
const ACTIVE_PUBLISHER_MS = 3_000;
/** After a beat that failed (D1, R2 or the transcoder unreachable), the next one comes this much later. */
const BEAT_RETRY_MS = 2_000;
/** How long one alarm run waits for the transcoder to finish a segment. */
const POLL_WAIT_MS = 1_000;

type Status = "idle" | "live" | "ended";

/** The stream's lifecycle, in storage: it survives the object being evicted between alarms. */
interface StreamState {
	status: Status;
	/** Publisher connections so far in this generation (the transcoder's session number). */
	session: number;
	/** Whether the transcoder has taken a chunk of this generation (a 404 then means it lost the stream). */
	generationStarted: boolean;
	lastByteAt: number;
	startedAt: string | null;
	/** Set once the stream must end, with why; the next alarm ends it. */
	ending: string | null;
	publish: PublishState;
}

interface PublisherAttachment {
	role: "publisher";
	generation: number;
	session: number;
	/** The next chunk's number in this session. */
	seq: number;
}
type Attachment = PublisherAttachment | ViewerAttachment;

const initialState = (): StreamState => ({
	status: "idle",
	session: -1,
	generationStarted: false,
	lastByteAt: 0,
	startedAt: null,
	ending: null,
	publish: emptyPublishState(),
});

/** Segments of the current generation already in R2 (the transcoder's long poll waits for more than this). */
const publishedCount = (p: PublishState) => p.upTo.reduce((sum, n) => sum + n + 1, 0);

/**
 * One live stream: its publisher's socket (ingest), its viewers' sockets (count and chat), and,
 * by alarm, publishing what the transcoder makes and ending the stream. Bytes go to the
 * transcoder one numbered chunk per WebSocket message, in order; the Worker has checked the
 * stream key before the upgrade reached here.
 */
export class LiveStream extends DurableObject<Env> {
	private readonly sql: SqlStorage;
	/** Chunks go to the transcoder one after another, in the order they arrived. */
	private forwarding: Promise<void> = Promise.resolve();
	private pendingBytes = 0;
	/** Frames per publisher socket in the current window (it is never idle while sending, so never forgotten). */
	private readonly ingestFrames = new FrameWindows(MAX_INGEST_FRAMES, INGEST_WINDOW_MS);
	/** Loaded once, then changed only here and written through: every handler sees the same object, so no update is lost. */
	private s: StreamState = initialState();
	private who: LiveIdentity | undefined;
	private readonly entries: ReturnType<typeof sqlEntryStore>;
	private readonly viewers: ViewerRoom;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		void ctx.blockConcurrencyWhile(async () => {
			this.s = (await ctx.storage.get<StreamState>("state")) ?? initialState();
			this.who = await ctx.storage.get<LiveIdentity>("who");
		});
		createLiveTables(this.sql);
		this.entries = sqlEntryStore(this.sql);
		this.viewers = new ViewerRoom(ctx, chatLog(this.sql), configOf(env).LIVE_CHAT_SENDS_PER_SECOND);
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"PING"}', '{"type":"PONG"}'));
	}

	override async fetch(request: Request): Promise<Response> {
		if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
		const publisher = request.headers.get(PUBLISHER_CONNECT_HEADER);
		if (publisher) return this.connectPublisher(JSON.parse(publisher) as LiveIdentity, request);
		const viewer = ViewerConnectSchema.safeParse(JSON.parse(request.headers.get(VIEWER_CONNECT_HEADER) ?? "null"));
		if (!viewer.success) return new Response("missing or malformed connection metadata", { status: 400 });
		return this.connectViewer(viewer.data, request);
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

	/** Viewers connected now (GET /api/live/:id). */
	/** Closes the viewer sockets of an ended session (logout, refresh-token reuse): realtime/end-session.ts. */
	async endSession(userId: string, sessionId: string): Promise<number> {
		return this.viewers.endSession(userId, sessionId);
	}

	async viewerCount(): Promise<number> {
		return this.viewers.count;
	}

	private async connectPublisher(who: LiveIdentity, request: Request): Promise<Response> {
		if (!this.who) {
			this.who = who;
			await this.ctx.storage.put("who", who);
		}
		const state = this.s;
		const { 0: client, 1: server } = new WebSocketPair();
		const headers = answerSubprotocol(request, (p) => p.startsWith("key."));
		const refusal = this.publisherRefusal();
		if (refusal) {
			// An ended stream holds no encoder: the slot the Worker took for this connection goes back at once.
			if (refusal.code === LIVE_CLOSE.streamEnded) await releaseLiveSlot(this.env, who.streamId);
			server.accept();
			closeQuietly(server, refusal.code, refusal.reason);
			return new Response(null, { status: 101, webSocket: client, headers });
		}
		this.ctx.acceptWebSocket(server, ["publisher"]);
		state.session += 1;
		state.lastByteAt = Date.now();
		await this.save();
		server.serializeAttachment({
			role: "publisher",
			generation: state.publish.generation,
			session: state.session,
			seq: 0,
		} satisfies Attachment);
		await this.ensureAlarm(Date.now() + 1_000);
		return new Response(null, { status: 101, webSocket: client, headers });
	}

	/**
	 * Why a new publisher may not have the stream: it has ended, or another publisher is sending.
	 * A connected publisher that has sent nothing for a while is a dead connection the runtime has
	 * not noticed yet: it is replaced, so a publisher coming back within the grace period gets in.
	 */
	private publisherRefusal(): { code: number; reason: string } | null {
		if (this.s.status === "ended" || this.s.ending) return { code: LIVE_CLOSE.streamEnded, reason: "the stream has ended" };
		const sending = Date.now() - this.s.lastByteAt < ACTIVE_PUBLISHER_MS;
		const current = this.ctx.getWebSockets("publisher");
		if (current.length > 0 && sending) return { code: LIVE_CLOSE.publisherConnected, reason: "another publisher is connected" };
		for (const ws of current) closeQuietly(ws, LIVE_CLOSE.publisherConnected, "replaced by a new connection");
		return null;
	}

	private async connectViewer(viewer: ViewerConnect, request: Request): Promise<Response> {
		// A live stream always has its next beat set; a viewer arriving makes sure of it.
		if (this.s.status === "live") await this.ensureAlarm(Date.now() + 1_000);
		return this.viewers.connect(viewer, request, this.s.status);
	}

	override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
		const att = ws.deserializeAttachment() as Attachment | null;
		if (att?.role === "publisher") return this.ingest(ws, att, message);
		if (att?.role === "viewer") return this.viewers.message(ws, att, message);
		closeQuietly(ws, LIVE_CLOSE.policy, "not expecting messages");
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string) {
		closeQuietly(ws, closeCodeFor(code), reason.slice(0, 120));
		const att = ws.deserializeAttachment() as Attachment | null;
		if (att?.role === "viewer") this.viewers.countChanged();
		if (att?.role !== "publisher") return;
		// A publisher who says it is done ends the stream now; one that dropped has the grace period to come back.
		if (code === 1000 && this.s.session === att.session && this.s.publish.generation === att.generation) {
			this.s.ending ??= "publisher_finished";
			await this.save();
		}
		await this.ensureAlarm(Date.now());
	}

	/** One binary frame of the publisher's stream: forwarded as the next numbered chunk. */
	private async ingest(ws: WebSocket, att: PublisherAttachment, message: string | ArrayBuffer) {
		if (typeof message === "string") return closeQuietly(ws, LIVE_CLOSE.binaryOnly, "send the stream as binary frames");
		if (message.byteLength > MAX_INGEST_FRAME_BYTES) return closeQuietly(ws, LIVE_CLOSE.tooBig, "frames are at most 1 MiB");
		if (this.ingestFrames.over(ws)) return closeQuietly(ws, LIVE_CLOSE.policy, "too many frames: send fewer, larger ones");
		if (this.pendingBytes + message.byteLength > MAX_PENDING_BYTES) {
			return closeQuietly(ws, LIVE_CLOSE.tryAgainLater, "the stream arrives faster than it can be encoded");
		}
		const seq = att.seq++;
		ws.serializeAttachment(att);
		this.pendingBytes += message.byteLength;
		this.forwarding = this.forwarding
			.then(() => this.forward(ws, att, seq, message))
			.catch((err: Error) => {
				logger.warn("live_forward_failed", { error: err.message });
				closeQuietly(ws, LIVE_CLOSE.internal, "the encoder could not be reached");
			})
			.finally(() => {
				this.pendingBytes -= message.byteLength;
			});
	}

	private async forward(ws: WebSocket, att: PublisherAttachment, seq: number, bytes: ArrayBuffer) {
		const state = this.s;
		// Queued chunks go to the encoder unless the stream moved on without them: the encoder lost their
		// generation, a newer publisher session took over, or the stream is ending for a reason other than
		// its publisher saying "that is all" (a normal close: what it sent before is the end of the stream,
		// even when the encoder is behind and its chunks are still queued here). Whether the socket is still
		// open says nothing: the runtime marks it closing as soon as the close frame arrives, before the
		// chunks received ahead of it are forwarded (checking it lost the tail of every slow encode).
		const movedOn = att.generation !== state.publish.generation || att.session !== state.session;
		if (movedOn || (state.ending !== null && state.ending !== "publisher_finished")) return;
		const outcome = await this.client()
			.chunk(att.session, seq, bytes)
			.catch((err: Error) => err);
		if (outcome instanceof Error) {
			// Unreachable mid-stream: whatever it had of this generation is as good as lost (a restarted instance has
			// nothing, and numbering its segments again from 0 would overwrite the published ones).
			if (state.generationStarted) return this.encoderLost();
			throw outcome;
		}
		if (outcome.ok) {
			state.lastByteAt = Date.now();
			if (!state.generationStarted) {
				state.generationStarted = true;
				await this.ensureAlarm(Date.now());
			}
			return this.save();
		}
		if (outcome.status === 422) {
			state.ending ??= outcome.code;
			await this.save();
			closeQuietly(ws, LIVE_CLOSE.unsupportedMedia, `${outcome.code}: ${outcome.message}`.slice(0, 120));
			return this.ensureAlarm(Date.now());
		}
		if (outcome.status === 429) return closeQuietly(ws, LIVE_CLOSE.tryAgainLater, "no live encoder is free; try again shortly");
		if (outcome.code === "out_of_order" && state.generationStarted) return this.encoderLost();
		closeQuietly(ws, LIVE_CLOSE.internal, `the encoder refused the stream: ${outcome.code}`.slice(0, 120));
	}

	/** The transcoder no longer has this generation (its instance restarted): the publisher reconnects into a new one. */
	private async encoderLost() {
		logger.warn("live_encoder_lost", { streamId: this.who?.streamId, generation: this.s.publish.generation });
		this.s.publish = nextGeneration(this.s.publish);
		this.s.generationStarted = false;
		this.s.session = -1;
		await this.save();
		for (const ws of this.ctx.getWebSockets("publisher"))
			closeQuietly(ws, LIVE_CLOSE.reconnect, "the encoder restarted: reconnect to go on");
	}

	/**
	 * The stream's heartbeat: ends it once its publisher is gone or silent past the grace period,
	 * otherwise waits (a long poll) for the transcoder's next segment and publishes it.
	 */
	override async alarm() {
		try {
			await this.beat();
		} catch (err) {
			// The platform retries a failed alarm only a few times, then drops it: a stream must never stop beating.
			logger.error("live_beat_failed", { streamId: this.who?.streamId, error: (err as Error).message });
			await this.ctx.storage.setAlarm(Date.now() + BEAT_RETRY_MS);
		}
	}

	private async beat() {
		const who = this.who;
		const state = this.s;
		if (!who || state.status === "ended") return;
		if (!(await streamExists(mediaDb(this.env), who.streamId))) return this.deleted(who);
		const graceMs = configOf(this.env).LIVE_GRACE_SECONDS * 1000;
		if (!state.ending && Date.now() - state.lastByteAt > graceMs) {
			const connected = this.ctx.getWebSockets("publisher");
			state.ending = connected.length > 0 ? "stalled" : "publisher_left";
			for (const ws of connected) closeQuietly(ws, LIVE_CLOSE.stalled, `nothing received for ${graceMs / 1000} s: the stream ended`);
			await this.save();
		}
		if (state.ending) return this.end(who);

		const generation = state.publish.generation;
		const view = await this.client()
			.status({ waitMs: POLL_WAIT_MS, after: publishedCount(state.publish) })
			.catch(() => null);
		// While we waited, the encoder may have been declared lost (a new generation) or the stream told to end.
		if (generation === state.publish.generation && !state.ending) {
			if (view === null && state.generationStarted) await this.encoderLost();
			else if (view?.state === "failed" || view?.state === "ended") {
				state.ending = view.error?.code ?? "encoder_ended";
				await this.save();
			} else if (view?.outputs) await this.publish(who, view);
		}
		await this.ctx.storage.setAlarm(Date.now() + (view?.state === "live" ? 0 : 250));
	}

	/** Copies what the transcoder finished; the first time every rung has a segment, the stream is live. */
	private async publish(who: LiveIdentity, view: LiveView) {
		if (!view.outputs) return;
		const state = this.s;
		const published = await publishLive(
			this.env,
			this.client(),
			who.prefix,
			state.publish,
			this.entries,
			view.outputs,
			false,
			this.admit(who),
		);
		if (!published) {
			// Refused: the owner's quota is full, or the recording was deleted a moment ago (its row is gone).
			if (!(await streamExists(mediaDb(this.env), who.streamId))) return this.deleted(who);
			return this.quotaReached();
		}
		if (state.status === "idle") {
			state.startedAt = await markLive(this.env, who, published.listed, published.ladder);
			state.status = "live";
			this.viewers.broadcast({ type: "STATUS", data: { status: "live" } });
			await announceLiveStarted(this.env, who).catch((err: Error) => logger.error("live_started_not_announced", { error: err.message }));
		}
		await this.save();
	}

	/** Ends the stream: the transcoder finishes the recording, R2 gets its last segments and final playlists, D1 its status. */
	private async end(who: LiveIdentity) {
		await this.forwarding;
		const state = this.s;
		const client = this.client();
		const view = await client.end().catch(() => null);
		let recording = null;
		const final = view?.outputs
			? await publishLive(this.env, client, who.prefix, state.publish, this.entries, view.outputs, true, this.admit(who))
			: null;
		if (final) {
			recording = { files: final.listed, ladder: final.ladder, durationMs: this.recordedMs() };
		} else if (this.entries.entries(0).length > 0) {
			// The encoder lost the last generation: what was published before stands, closed with ENDLIST.
			const ladder = await recordedLadder(mediaDb(this.env), who);
			recording = { files: await closeLivePlaylists(this.env, who.prefix, this.entries), ladder, durationMs: this.recordedMs() };
		}
		const reason = state.ending ?? "ended";
		await markEnded(this.env, who, { reason, recording });
		state.status = "ended";
		await this.save();
		await releaseLiveSlot(this.env, who.streamId);
		await client.remove().catch(() => undefined);
		for (const ws of this.ctx.getWebSockets("publisher")) closeQuietly(ws, LIVE_CLOSE.ended, "the stream has ended");
		this.viewers.broadcast({ type: "STATUS", data: { status: "ended", reason } });
	}

	/** The recording's new bytes count against its owner's storage quota before they are stored. */
	private admit(who: LiveIdentity) {
		return (bytes: number) => growAsset(this.env, { id: who.assetId, ownerId: who.ownerId }, bytes);
	}

	/** The owner's quota is full: the publisher is told, and the next beat ends the stream over what was stored. */
	private async quotaReached() {
		this.s.ending ??= "storage_quota_exceeded";
		await this.save();
		for (const ws of this.ctx.getWebSockets("publisher")) {
			closeQuietly(ws, LIVE_CLOSE.storageQuota, "your storage quota is full: the stream ended");
		}
	}

	private recordedMs(): number {
		return Math.round(entriesSeconds(this.entries.entries(0)) * 1000);
	}

	/** The recording was deleted while live: stop, and sweep what was published after the delete swept it. */
	private async deleted(who: LiveIdentity) {
		this.s.status = "ended";
		this.s.ending ??= "deleted";
		await this.save();
		for (const ws of this.ctx.getWebSockets("publisher")) closeQuietly(ws, LIVE_CLOSE.streamEnded, "the stream was deleted");
		await this.client()
			.remove()
			.catch(() => undefined);
		await deletePrefix(this.env.MEDIA, who.prefix);
		await releaseLiveSlot(this.env, who.streamId);
		this.viewers.broadcast({ type: "STATUS", data: { status: "ended", reason: "deleted" } });
	}

	private client(): LiveTranscoderClient {
		return liveTranscoderClient(this.env, `${this.who?.streamId ?? "unknown"}-g${this.s.publish.generation}`);
	}

	private save(): Promise<void> {
		return this.ctx.storage.put("state", this.s);
	}

	private async ensureAlarm(at: number) {
		const current = await this.ctx.storage.getAlarm();
		if (current === null || current > at) await this.ctx.storage.setAlarm(at);
	}
}
