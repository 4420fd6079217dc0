// The one module that knows where the transcoder runs. Production: a
// Cloudflare Container behind the TRANSCODER Durable Object, addressed by job
// id so every request of one job (start, poll, collect files, clean up) reaches
// the instance holding that job's files. Local and tests: the same Node service
// as a plain process at TRANSCODER_URL. Nothing else branches on this.
import { z } from "zod";
import { configOf } from "../lib/config/config";

const ProbeSchema = z.object({
	durationMs: z.number().int().positive(),
	width: z.number().int().positive(),
	height: z.number().int().positive(),
	videoCodec: z.string(),
	hasAudio: z.boolean(),
});

export const OutputFileSchema = z.object({
	path: z
		.string()
		.regex(/^[a-z0-9][a-z0-9./-]*$/i)
		.refine((p) => !p.includes(".."), "no parent segments"),
	bytes: z.number().int().nonnegative(),
	contentType: z.string(),
	role: z.enum(["segment", "playlist", "manifest", "poster", "thumbnail", "storyboard", "preview", "source"]),
});
export type OutputFile = z.infer<typeof OutputFileSchema>;

export const RenditionSchema = z.object({
	width: z.number().int().positive(),
	height: z.number().int().positive(),
	bandwidth: z.number().int().nonnegative(),
	codecs: z.string(),
	playlist: z.string(),
});
export type Rendition = z.infer<typeof RenditionSchema>;

export const PlaylistTextSchema = z.object({
	path: OutputFileSchema.shape.path,
	role: z.enum(["playlist", "manifest"]),
	contentType: z.string(),
	// A playlist lists at most a few hundred segments; anything near this is not one.
	text: z.string().max(256 * 1024),
});
export type PlaylistText = z.infer<typeof PlaylistTextSchema>;

/** What a running job has finished so far: segments that never change again, and EVENT playlists over them. */
export const ProgressiveSchema = z.object({
	files: z.array(OutputFileSchema),
	playlists: z.array(PlaylistTextSchema),
	renditions: z.array(RenditionSchema),
});
export type ProgressiveOutputs = z.infer<typeof ProgressiveSchema>;

/** What the source's audio says (transcode-container/src/speech/): the Worker makes a generated caption track of it. */
export const SpeechSchema = z.object({
	lang: z.string().max(35),
	engine: z.string().max(32),
	cues: z.array(z.object({ start: z.number().min(0), end: z.number().min(0), text: z.string().max(1000) })).max(10_000),
});

/** One chunk of the video's audio for Whisper (transcode-container/src/speech/speech-audio.ts). */
export const SpeechAudioChunkSchema = z.object({
	path: OutputFileSchema.shape.path.refine((p) => p.startsWith("speech/"), "a speech chunk is under speech/"),
	bytes: z
		.number()
		.int()
		.positive()
		.max(4 * 1024 * 1024),
	start: z.number().min(0),
	seconds: z.number().positive().max(60),
});

export const TranscodeJobViewSchema = z.object({
	id: z.string(),
	state: z.enum(["running", "done", "failed"]),
	progress: z.number().min(0).max(1),
	probe: ProbeSchema,
	files: z.array(OutputFileSchema),
	renditions: z.array(RenditionSchema),
	// Older transcoders do not send it: nothing is published before the end then.
	progressive: ProgressiveSchema.nullable().default(null),
	error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).optional(),
	// Null: nothing recognised there (no audio, no model, or it failed); older transcoders do not send it.
	speech: SpeechSchema.nullable().default(null),
	// The audio for the Worker's recogniser (SPEECH_RECOGNISER=workers-ai): chunks served beside the outputs, never published.
	// Out of bounds (or malformed) is no speech, never a failed video: the rest of the view still counts.
	speechAudio: z.array(SpeechAudioChunkSchema).max(40).default([]).catch([]),
});
export type TranscodeJobView = z.infer<typeof TranscodeJobViewSchema>;

/** A source refused as too long that could be trimmed: its length, and the longest video it may become. */
const SourceTrimSchema = z.object({ durationMs: z.number().int().positive(), maxSeconds: z.number().int().positive() });
export type SourceTrim = z.infer<typeof SourceTrimSchema>;

const ErrorBodySchema = z.object({ code: z.string(), message: z.string(), trim: SourceTrimSchema.optional() });

/** The transcoder refused the source for good (not media, too long, too large): retrying cannot help. */
export class SourceRejected extends Error {
	constructor(
		readonly code: string,
		message: string,
		/** `too_long`, but sound media within MAX_ORIGINAL_SECONDS: a clip of it can be made. */
		readonly trim?: SourceTrim,
	) {
		super(message);
		this.name = "SourceRejected";
	}
}

/** The transcoder could not be reached, was busy, or lost the job: try again later. */
export class TranscoderUnavailable extends Error {
	constructor(
		message: string,
		/** The transcoder's own Retry-After, when it sent one (busy); 0 leaves the delay to the consumer's backoff. */
		readonly retryAfterSeconds = 0,
	) {
		super(message);
		this.name = "TranscoderUnavailable";
	}
}

export type TranscoderHealth = {
	status: "ok" | "down" | "on_demand";
	detail?: string;
};

type Send = (path: string, init?: RequestInit) => Promise<Response>;

/**
 * How to reach the transcoder instance that holds `instanceKey`'s work: a job (the uploads' pool),
 * a live stream (the live pool, so streams never hold an upload's instance) or a frame (the frames pool). Locally one process serves all three.
 */
export function sender(env: Env, instanceKey: string, pool: "uploads" | "live" | "frames" = "uploads"): Send {
	const base = configOf(env).TRANSCODER_URL;
	const namespace = { uploads: env.TRANSCODER, live: env.LIVE_TRANSCODER, frames: env.FRAME_TRANSCODER }[pool];
	const stub = base ? undefined : namespace.getByName(instanceKey);
	const send: Send = stub
		? (path, init) => stub.fetch(new Request(new URL(path, "http://transcoder.internal"), init))
		: (path, init) => fetch(new URL(path, base), init);
	// A transcoder that cannot be reached at all is unavailable, like one that answers busy: the caller retries.
	return async (path, init) => {
		try {
			return await send(path, init);
		} catch (err) {
			throw new TranscoderUnavailable(`transcoder unreachable: ${(err as Error).message}`);
		}
	};
}

/**
 * When every slot is taken: the local process answers 429 with Retry-After; the
 * container binding answers 503 when no instance can be provided (max_instances
 * reached, or provisioning) and 429 when starts are rate limited, without a
 * Retry-After. Either way the job waits its turn (the consumer defers it).
 */
const NO_INSTANCE_RETRY_S = 30;

export async function unavailable(res: Response, what: string): Promise<TranscoderUnavailable> {
	await res.body?.cancel();
	const busy = res.status === 429 || res.status === 503;
	const retryAfter = Number(res.headers.get("retry-after")) || (busy ? NO_INSTANCE_RETRY_S : 0);
	return new TranscoderUnavailable(`transcoder answered ${res.status} to ${what}`, retryAfter);
}

/** A start may take this long plus the time to send the source at START_MIN_BYTES_PER_MS (10 MB/s). */
const START_BASE_TIMEOUT_MS = 60_000;
const START_MIN_BYTES_PER_MS = 10_000;
/** A file copy may take this long plus its bytes at the same rate. */
const FILE_BASE_TIMEOUT_MS = 30_000;

/** @param jobId the asset id: it names the job on the transcoder and picks the container instance. */
export function transcoderClient(env: Env, jobId = "health") {
	const send = sender(env, jobId);
	const isContainer = !configOf(env).TRANSCODER_URL;
	const jobPath = `/jobs/${encodeURIComponent(jobId)}`;

	return {
		/**
		 * Streams `source` (an R2 body, never buffered) to the transcoder and
		 * starts the job; if the instance already has this job, returns it as it is.
		 * `maxSeconds` lowers the transcoder's own duration limit for this source; `clip` makes the job
		 * a clip of that range (its outputs then include `source.mp4`, the clip's own original).
		 */
		async start(
			source: ReadableStream,
			bytes: number,
			maxSeconds?: number,
			clip?: { start: number; end: number },
		): Promise<TranscodeJobView> {
			const query = new URLSearchParams({
				...(maxSeconds ? { maxSeconds: String(maxSeconds) } : {}),
				...(clip ? { clipStart: clip.start.toFixed(3), clipEnd: clip.end.toFixed(3) } : {}),
			}).toString();
			const res = await send(query ? `${jobPath}?${query}` : jobPath, {
				method: "PUT",
				body: source,
				headers: { "content-type": "application/octet-stream", "content-length": String(bytes) },
				// A bound on the whole upload, so a transcoder that stops reading can never hold the
				// consumer (and, locally, the queue behind it) for ever: the delivery is retried instead.
				signal: AbortSignal.timeout(START_BASE_TIMEOUT_MS + Math.ceil(bytes / START_MIN_BYTES_PER_MS)),
			});
			if (res.ok) return TranscodeJobViewSchema.parse(await res.json());
			// 400: a clip range the transcoder will never take (the Worker checks it first; asking again cannot help).
			if (res.status === 400 || res.status === 413 || res.status === 422) {
				const body = ErrorBodySchema.parse(await res.json());
				throw new SourceRejected(body.code, body.message, body.trim);
			}
			throw await unavailable(res, "start");
		},

		/**
		 * The job's state, or null when this instance does not have it (restarted,
		 * or never started). With `waitMs`, a long poll: answers once progress
		 * passes `after`, the job ends, or the wait is over.
		 */
		async job(wait?: { waitMs: number; after: number }): Promise<TranscodeJobView | null> {
			const res = await send(wait ? `${jobPath}?waitMs=${wait.waitMs}&after=${wait.after}` : jobPath);
			if (res.status === 404) {
				await res.body?.cancel();
				return null;
			}
			if (!res.ok) throw await unavailable(res, "status");
			return TranscodeJobViewSchema.parse(await res.json());
		},

		/** One output file as a stream of exactly `file.bytes` bytes. */
		async file(file: Pick<OutputFile, "path" | "bytes">): Promise<ReadableStream> {
			// Bounded like a start (the signal also ends the body stream): a copy whose stream stalls must
			// fail the delivery, which is retried, rather than hold it until the invocation's wall clock.
			const res = await send(`${jobPath}/files/${file.path}`, {
				signal: AbortSignal.timeout(FILE_BASE_TIMEOUT_MS + Math.ceil(file.bytes / START_MIN_BYTES_PER_MS)),
			});
			if (!res.ok || !res.body) throw await unavailable(res, `file ${file.path}`);
			return res.body;
		},

		/** Reclaims the job's disk on the transcoder; a job it no longer has is fine. */
		async remove(): Promise<void> {
			const res = await send(jobPath, { method: "DELETE" });
			await res.body?.cancel();
			if (!res.ok && res.status !== 404) throw await unavailable(res, "delete");
		},

		/** Local: asks the process. Production: containers start on demand, so health does not wake one. */
		async health(): Promise<TranscoderHealth> {
			if (isContainer) return { status: "on_demand", detail: "container starts with the first job" };
			try {
				const res = await send("/health");
				const body = (await res.json()) as { ffmpeg?: string; error?: string };
				return res.ok ? { status: "ok", detail: body.ffmpeg } : { status: "down", detail: body.error ?? `HTTP ${res.status}` };
			} catch (err) {
				return { status: "down", detail: (err as Error).message };
			}
		},
	};
}
export type TranscoderClient = ReturnType<typeof transcoderClient>;

/** Instances that decode frames: the frames pool's max_instances (wrangler.toml), never one per video. */
const FRAME_INSTANCES = 2;
/** Decoding a second of one rung takes well under this; a stalled instance fails the request, not the isolate. */
const FRAME_TIMEOUT_MS = 30_000;

/** The transcoder could not decode the piece it was sent: our own segment, so a fault of ours, never the caller's. */
export class FrameUnreadable extends Error {
	constructor(message: string) {
		super(message);
		this.name = "FrameUnreadable";
	}
}

/**
 * The JPEG of the frame on screen `at` seconds into `piece` (one rung's init and media segment,
 * joined: video-frame.ts), scaled to `size` when given. The piece streams through; the answer is
 * one picture, read whole.
 */
export async function frameFromTranscoder(
	env: Env,
	assetId: string,
	piece: ReadableStream,
	bytes: number,
	{ at, size }: { at: number; size?: { width: number; height: number } },
): Promise<Uint8Array> {
	let h = 0;
	for (const ch of assetId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
	const send = sender(env, `frames-${h % FRAME_INSTANCES}`, "frames");
	const query = new URLSearchParams({ at: at.toFixed(3), ...(size ? { width: String(size.width), height: String(size.height) } : {}) });
	const res = await send(`/frames?${query}`, {
		method: "POST",
		body: piece,
		headers: { "content-type": "video/mp4", "content-length": String(bytes) },
		signal: AbortSignal.timeout(FRAME_TIMEOUT_MS),
	});
	if (res.ok) {
		try {
			return new Uint8Array(await res.arrayBuffer());
		} catch (err) {
			throw new TranscoderUnavailable(`the frame's answer broke off: ${(err as Error).message}`);
		}
	}
	if (res.status === 400 || res.status === 413 || res.status === 422) {
		throw new FrameUnreadable(`transcoder answered ${res.status}: ${await res.text()}`);
	}
	throw await unavailable(res, "frame");
}
