// The Worker's side of the transcoder's live mode (transcode-container/src/live/):
// numbered chunks in, published outputs polled, files copied. The LiveStream
// Durable Object is its only user. Each generation of a stream (a new one
// starts when the instance holding the previous one lost it) is its own stream
// on the transcoder, and, in production, its own container instance.
import { z } from "zod";
import { type OutputFile, ProgressiveSchema, sender, unavailable } from "./transcoder-client";

export const LiveViewSchema = z.object({
	id: z.string(),
	state: z.enum(["waiting", "live", "ended", "failed"]),
	session: z.number().int().nonnegative(),
	nextSeq: z.number().int().nonnegative(),
	bytesIn: z.number().int().nonnegative(),
	outputs: ProgressiveSchema.nullable(),
	durationS: z.number().nullable(),
	error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type LiveView = z.infer<typeof LiveViewSchema>;

/** What the transcoder said to a chunk: taken, or refused with its code (see live-routes.ts there). */
export type ChunkOutcome = { ok: true; view: LiveView } | { ok: false; status: number; code: string; message: string };

const ErrorSchema = z.object({ code: z.string(), message: z.string() });
/** A chunk or a poll that takes longer than this has a stuck transcoder behind it. */
const CALL_TIMEOUT_MS = 30_000;
const FILE_TIMEOUT_MS = 30_000;

/** @param transcoderStreamId the stream's id and generation: it names the stream there and picks the instance. */
export function liveTranscoderClient(env: Env, transcoderStreamId: string) {
	const send = sender(env, `live-${transcoderStreamId}`, "live");
	const base = `/live/${encodeURIComponent(transcoderStreamId)}`;

	const call = (path: string, init: RequestInit = {}) => send(path, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS), ...init });

	return {
		async chunk(session: number, seq: number, bytes: ArrayBuffer): Promise<ChunkOutcome> {
			const res = await call(`${base}/chunks?session=${session}&seq=${seq}`, { method: "POST", body: bytes });
			if (res.ok) return { ok: true, view: LiveViewSchema.parse(await res.json()) };
			if (res.status >= 500) throw await unavailable(res, "chunk");
			const body = ErrorSchema.safeParse(await res.json().catch(() => null));
			return { ok: false, status: res.status, code: body.data?.code ?? "refused", message: body.data?.message ?? `HTTP ${res.status}` };
		},

		/** The stream's state, or null when the instance does not have it; with `wait`, a long poll for new files. */
		async status(wait?: { waitMs: number; after: number }): Promise<LiveView | null> {
			const res = await call(wait ? `${base}?waitMs=${wait.waitMs}&after=${wait.after}` : base);
			if (res.status === 404) {
				await res.body?.cancel();
				return null;
			}
			if (!res.ok) throw await unavailable(res, "status");
			return LiveViewSchema.parse(await res.json());
		},

		/** No more bytes: answers once the recording is complete (ENDLIST, poster), or null when the instance lost it. */
		async end(): Promise<LiveView | null> {
			const res = await call(`${base}/end`, { method: "POST" });
			if (res.status === 404) {
				await res.body?.cancel();
				return null;
			}
			if (!res.ok) throw await unavailable(res, "end");
			return LiveViewSchema.parse(await res.json());
		},

		async file(file: OutputFile): Promise<ReadableStream> {
			const res = await call(`${base}/files/${file.path}`, { signal: AbortSignal.timeout(FILE_TIMEOUT_MS) });
			if (!res.ok || !res.body) throw await unavailable(res, `file ${file.path}`);
			return res.body;
		},

		async remove(): Promise<void> {
			const res = await call(base, { method: "DELETE" });
			await res.body?.cancel();
			if (!res.ok && res.status !== 404) throw await unavailable(res, "delete");
		},
	};
}
export type LiveTranscoderClient = ReturnType<typeof liveTranscoderClient>;
