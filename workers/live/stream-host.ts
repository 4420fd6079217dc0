// What a LiveStream Durable Object lends the modules that run it (publisher
// ingest, the beat): the stream's lifecycle state, written through to storage,
// its identity, its alarm and the encoder it talks to. The object owns them;
// the modules only read and change them through this.
import type { LiveTranscoderClient } from "../transcoder/live-transcoder-client";
import type { PublishState } from "./live-publisher";
import { emptyPublishState } from "./live-publisher";
import type { LiveIdentity } from "./live-store";

export type StreamStatus = "idle" | "live" | "ended";

/** The stream's lifecycle, in storage: it survives the object being evicted between alarms. */
export interface StreamState {
	status: StreamStatus;
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

export const initialStreamState = (): StreamState => ({
	status: "idle",
	session: -1,
	generationStarted: false,
	lastByteAt: 0,
	startedAt: null,
	ending: null,
	publish: emptyPublishState(),
});

/** Segments of the current generation already in R2 (the transcoder's long poll waits for more than this). */
export const publishedCount = (p: PublishState) => p.upTo.reduce((sum, n) => sum + n + 1, 0);

export interface StreamHost {
	readonly env: Env;
	/** Loaded once, then changed only in place and written through with `save()`: every handler sees the same object. */
	readonly state: StreamState;
	/** Set by the first publisher's connection (the Worker checked its stream key). */
	readonly who: LiveIdentity | undefined;
	/** The publisher's sockets (at most one is sending). */
	publishers(): WebSocket[];
	save(): Promise<void>;
	/** Sets the alarm to `at` unless one is due sooner. */
	ensureAlarm(at: number): Promise<void>;
	/** The transcoder's live encode of this stream's current generation. */
	encoder(): LiveTranscoderClient;
}
