// A live stream's publisher side: who may connect, and each binary frame sent
// on as the next numbered chunk to the transcoder, in order, with the limits
// that keep a publisher from costing more than real time. When the transcoder
// has lost the stream's generation, the publisher is told to reconnect into a
// new one.
import { answerSubprotocol } from "../lib/http/websocket-subprotocols";
import { logger } from "../lib/observability/logger";
import { closeQuietly } from "../realtime/close-code";
import { FrameWindows } from "../realtime/frame-window";
import { LIVE_CLOSE } from "./live-close-codes";
import { nextGeneration } from "./live-publisher";
import type { StreamHost } from "./stream-host";
import { releaseLiveSlot } from "./take-live-slot";

/** A Worker takes WebSocket messages up to 1 MiB (developers.cloudflare.com/durable-objects/platform/limits/). */
export const MAX_INGEST_FRAME_BYTES = 1024 * 1024;
/**
 * Frames a publisher may send per window. Each frame costs a request to the encoder, so a flood of tiny
 * frames would multiply requests for nothing: FFmpeg writes about 5 a second, MediaRecorder 4.
 */
export const MAX_INGEST_FRAMES = 200;
const INGEST_WINDOW_MS = 2_000;
/** Bytes received but not yet taken by the encoder; past it the publisher sends faster than real time. */
export const MAX_PENDING_BYTES = 16 * 1024 * 1024;
/** A publisher that sent bytes this recently is sending: a second one is refused rather than replacing it. */
export const ACTIVE_PUBLISHER_MS = 3_000;

export const PUBLISHER_TAG = "publisher";

export interface PublisherAttachment {
	role: "publisher";
	generation: number;
	session: number;
	/** The next chunk's number in this session. */
	seq: number;
}

export class PublisherIngest {
	/** Chunks go to the transcoder one after another, in the order they arrived. */
	private forwarding: Promise<void> = Promise.resolve();
	private pendingBytes = 0;
	/** Frames per publisher socket in the current window (it is never idle while sending, so never forgotten). */
	private readonly frames = new FrameWindows(MAX_INGEST_FRAMES, INGEST_WINDOW_MS);
	private readonly host: StreamHost;
	private readonly ctx: DurableObjectState;

	constructor(ctx: DurableObjectState, host: StreamHost) {
		this.ctx = ctx;
		this.host = host;
	}

	/** Resolves once every chunk received so far has gone to the encoder (or was dropped). */
	drained(): Promise<void> {
		return this.forwarding;
	}

	/** A publisher's upgrade: a new session of the current generation, or a socket closed with why not. */
	async connect(request: Request): Promise<Response> {
		const state = this.host.state;
		const { 0: client, 1: server } = new WebSocketPair();
		const headers = answerSubprotocol(request, (p) => p.startsWith("key."));
		const refusal = this.refusal();
		if (refusal) {
			// An ended stream holds no encoder: the slot the Worker took for this connection goes back at once.
			if (refusal.code === LIVE_CLOSE.streamEnded && this.host.who) await releaseLiveSlot(this.host.env, this.host.who.streamId);
			server.accept();
			closeQuietly(server, refusal.code, refusal.reason);
			return new Response(null, { status: 101, webSocket: client, headers });
		}
		this.ctx.acceptWebSocket(server, [PUBLISHER_TAG]);
		state.session += 1;
		state.lastByteAt = Date.now();
		await this.host.save();
		server.serializeAttachment({
			role: "publisher",
			generation: state.publish.generation,
			session: state.session,
			seq: 0,
		} satisfies PublisherAttachment);
		await this.host.ensureAlarm(Date.now() + 1_000);
		return new Response(null, { status: 101, webSocket: client, headers });
	}

	/**
	 * Why a new publisher may not have the stream: it has ended, or another publisher is sending.
	 * A connected publisher that has sent nothing for a while is a dead connection the runtime has
	 * not noticed yet: it is replaced, so a publisher coming back within the grace period gets in.
	 */
	private refusal(): { code: number; reason: string } | null {
		const state = this.host.state;
		if (state.status === "ended" || state.ending) return { code: LIVE_CLOSE.streamEnded, reason: "the stream has ended" };
		const sending = Date.now() - state.lastByteAt < ACTIVE_PUBLISHER_MS;
		const current = this.host.publishers();
		if (current.length > 0 && sending) return { code: LIVE_CLOSE.publisherConnected, reason: "another publisher is connected" };
		for (const ws of current) closeQuietly(ws, LIVE_CLOSE.publisherConnected, "replaced by a new connection");
		return null;
	}

	/** One frame of the publisher's stream: forwarded as the next numbered chunk. */
	message(ws: WebSocket, att: PublisherAttachment, message: string | ArrayBuffer) {
		if (typeof message === "string") return closeQuietly(ws, LIVE_CLOSE.binaryOnly, "send the stream as binary frames");
		if (message.byteLength > MAX_INGEST_FRAME_BYTES) return closeQuietly(ws, LIVE_CLOSE.tooBig, "frames are at most 1 MiB");
		if (this.frames.over(ws)) return closeQuietly(ws, LIVE_CLOSE.policy, "too many frames: send fewer, larger ones");
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

	/** The publisher's socket closed: one who says it is done ends the stream now; one that dropped has the grace period. */
	async closed(att: PublisherAttachment, code: number): Promise<void> {
		const state = this.host.state;
		if (code === 1000 && state.session === att.session && state.publish.generation === att.generation) {
			state.ending ??= "publisher_finished";
			await this.host.save();
		}
		await this.host.ensureAlarm(Date.now());
	}

	private async forward(ws: WebSocket, att: PublisherAttachment, seq: number, bytes: ArrayBuffer) {
		const state = this.host.state;
		// Queued chunks go to the encoder unless the stream moved on without them: the encoder lost their
		// generation, a newer publisher session took over, or the stream is ending for a reason other than
		// its publisher saying "that is all" (a normal close: what it sent before is the end of the stream,
		// even when the encoder is behind and its chunks are still queued here). Whether the socket is still
		// open says nothing: the runtime marks it closing as soon as the close frame arrives, before the
		// chunks received ahead of it are forwarded (checking it lost the tail of every slow encode).
		const movedOn = att.generation !== state.publish.generation || att.session !== state.session;
		if (movedOn || (state.ending !== null && state.ending !== "publisher_finished")) return;
		const outcome = await this.host
			.encoder()
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
				await this.host.ensureAlarm(Date.now());
			}
			return this.host.save();
		}
		if (outcome.status === 422) {
			state.ending ??= outcome.code;
			await this.host.save();
			closeQuietly(ws, LIVE_CLOSE.unsupportedMedia, `${outcome.code}: ${outcome.message}`.slice(0, 120));
			return this.host.ensureAlarm(Date.now());
		}
		if (outcome.status === 429) return closeQuietly(ws, LIVE_CLOSE.tryAgainLater, "no live encoder is free; try again shortly");
		if (outcome.code === "out_of_order" && state.generationStarted) return this.encoderLost();
		closeQuietly(ws, LIVE_CLOSE.internal, `the encoder refused the stream: ${outcome.code}`.slice(0, 120));
	}

	/** The transcoder no longer has this generation (its instance restarted): the publisher reconnects into a new one. */
	async encoderLost(): Promise<void> {
		const state = this.host.state;
		logger.warn("live_encoder_lost", { streamId: this.host.who?.streamId, generation: state.publish.generation });
		state.publish = nextGeneration(state.publish);
		state.generationStarted = false;
		state.session = -1;
		await this.host.save();
		for (const ws of this.host.publishers()) closeQuietly(ws, LIVE_CLOSE.reconnect, "the encoder restarted: reconnect to go on");
	}
}
