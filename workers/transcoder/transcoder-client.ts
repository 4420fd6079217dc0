// The one module that knows where the transcoder runs. Production: a
// Cloudflare Container behind the TRANSCODER Durable Object, addressed by job
// key so one job's requests reach one instance. Local and tests: the same Node
// service as a plain process at TRANSCODER_URL. Nothing else branches on this.
import { z } from "zod";
import { configOf } from "../lib/config/config";

export const ProbeResultSchema = z.object({
	format: z.string(),
	durationMs: z.number().int().positive(),
	width: z.number().int().positive(),
	height: z.number().int().positive(),
	videoCodec: z.string(),
	hasAudio: z.boolean(),
	bitRate: z.number().nullable(),
});
export type ProbeResult = z.infer<typeof ProbeResultSchema>;

const ErrorBodySchema = z.object({ code: z.string(), message: z.string() });

/** The transcoder answered, and refused the source for good: retrying cannot help. */
export class SourceRejected extends Error {
	constructor(
		readonly code: string,
		message: string,
	) {
		super(message);
		this.name = "SourceRejected";
	}
}

/** The transcoder could not be reached or was busy: the job should be retried later. */
export class TranscoderUnavailable extends Error {
	constructor(
		message: string,
		readonly retryAfterSeconds = 30,
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

function sender(env: Env, instanceKey: string): Send {
	const base = configOf(env).TRANSCODER_URL;
	if (base) return (path, init) => fetch(new URL(path, base), init);
	const stub = env.TRANSCODER.getByName(instanceKey);
	return (path, init) => stub.fetch(new Request(new URL(path, "http://transcoder.internal"), init));
}

export function transcoderClient(env: Env, instanceKey = "default") {
	const send = sender(env, instanceKey);
	const isContainer = !configOf(env).TRANSCODER_URL;

	async function call(path: string, init?: RequestInit): Promise<Response> {
		try {
			return await send(path, init);
		} catch (err) {
			throw new TranscoderUnavailable(`transcoder unreachable: ${(err as Error).message}`);
		}
	}

	return {
		/** Streams `source` (an R2 body, never buffered) to the transcoder and returns what ffprobe saw. */
		async probe(source: ReadableStream, bytes: number): Promise<ProbeResult> {
			const res = await call("/probe", {
				method: "POST",
				body: source,
				headers: { "content-type": "application/octet-stream", "content-length": String(bytes) },
			});
			if (res.ok) return ProbeResultSchema.parse(await res.json());
			if (res.status === 413 || res.status === 422) {
				const body = ErrorBodySchema.parse(await res.json());
				throw new SourceRejected(body.code, body.message);
			}
			await res.body?.cancel();
			throw new TranscoderUnavailable(`transcoder answered ${res.status}`, Number(res.headers.get("retry-after")) || 30);
		},

		/** Local: asks the process. Production: containers start on demand, so health does not wake one. */
		async health(): Promise<TranscoderHealth> {
			if (isContainer) return { status: "on_demand", detail: "container starts with the first job" };
			try {
				const res = await call("/health");
				const body = (await res.json()) as { ffmpeg?: string; error?: string };
				return res.ok ? { status: "ok", detail: body.ffmpeg } : { status: "down", detail: body.error ?? `HTTP ${res.status}` };
			} catch (err) {
				return { status: "down", detail: (err as Error).message };
			}
		},
	};
}
