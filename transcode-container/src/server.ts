// The transcoder's HTTP surface. It knows nothing of Workers: the Worker's
// transcoder client (workers/transcoder/) reaches it through a Cloudflare
// Container in production and through TRANSCODER_URL locally.
//
//   PUT    /jobs/:id[?maxSeconds=N][&clipStart=S&clipEnd=E] body = the source; starts the job (or returns the
//                                  one already running); maxSeconds lowers MAX_SOURCE_SECONDS for this source (a
//                                  direct upload's limit); clipStart/clipEnd make the job a clip of that range (clip.ts),
//                                  whose source may be up to MAX_ORIGINAL_SECONDS; 422 too_long with `trim` for a
//                                  longer source that could be trimmed
//   GET    /jobs/:id[?waitMs=&after=] state, progress, renditions, output files; with waitMs, a long
//                                  poll that answers once progress passes `after` or the job ends
//   GET    /jobs/:id/files/<path> one output file, streamed
//   DELETE /jobs/:id              forgets the job and reclaims its disk
//   POST   /frames?at=S[&width=&height=] body = one segment of a rung (init + media segment); the JPEG
//                                  of the frame on screen at S seconds into it (frame-at.ts)
//   /live/...                      live streams (live/live-routes.ts)
import { execFile } from "node:child_process";
import { createReadStream, readdirSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { clipRangeOf } from "./clip.ts";
import { loadConfig, type TranscoderConfig } from "./config.ts";
import { FrameUnreadable, frameAt, frameRequestOf } from "./frame-at.ts";
import { JOB_ID, JobStore } from "./jobs.ts";
import { LiveEncodes } from "./live/live-encodes.ts";
import { routeLive } from "./live/live-routes.ts";
import { Metrics } from "./metrics.ts";
import { SourceTooLong, UnsupportedSource } from "./probe.ts";
import { SourceTooLarge } from "./spool.ts";

const execFileAsync = promisify(execFile);
const BUSY_RETRY_AFTER_S = 5;
/** Frames decoded at once: each is a second of one rung's decode, so a few share the cores with the jobs. */
const MAX_CONCURRENT_FRAMES = 4;
/** Longest a status long poll is held; below common proxy idle timeouts. */
const MAX_WAIT_MS = 20_000;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
	res.writeHead(status, { "content-type": "application/json", ...headers });
	res.end(JSON.stringify(body));
}

async function ffmpegVersion(): Promise<string> {
	const { stdout } = await execFileAsync("ffmpeg", ["-hide_banner", "-version"], { timeout: 5_000 });
	return stdout.split("\n")[0] ?? "unknown";
}

function readdirSafe(dir: string): string[] {
	try {
		return readdirSync(dir);
	} catch {
		return [];
	}
}

/** How long a refused upload may take to finish arriving before its connection is cut. */
const DISCARD_TIMEOUT_MS = 60_000;

/**
 * Answers a request whose body this server will not use, once the body has
 * arrived (discarded as it comes, so memory stays flat). Answering first and
 * closing while the client was still sending left the Worker's streaming
 * fetch() waiting for ever in the local runtime (found by bench/load.ts: the
 * queue stalled behind one consumer); a client that stops sending is cut off.
 */
function answerUnread(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
	let answered = false;
	const answer = () => {
		clearTimeout(timer);
		if (answered || res.headersSent || res.destroyed) return;
		answered = true;
		// The connection is not reused: after a pipeline failure its request side is already torn down.
		sendJson(res, status, body, { ...headers, connection: "close" });
	};
	const timer = setTimeout(() => req.destroy(), DISCARD_TIMEOUT_MS);
	if (req.readableEnded || req.destroyed) return answer();
	// "close" too: a body a failed pipeline already tore down will never "end".
	req.on("end", answer);
	req.on("close", answer);
	req.resume();
}

export interface Transcoder {
	server: Server;
	metrics: Metrics;
	jobs: JobStore;
	live: LiveEncodes;
	/** Stops taking requests and resolves once running jobs have finished. */
	drain(): Promise<void>;
	/**
	 * Stops at once: running FFmpeg processes are killed and every job's disk is
	 * reclaimed. For SIGTERM, which a Container gets on a rollout or a restart: the
	 * Worker's next poll finds the job gone and its retry starts it again from the
	 * source in R2, so waiting out a long encode (up to the platform's 15 minutes)
	 * would only delay that retry and hold up the rollout.
	 */
	shutdown(): Promise<void>;
}

export function createTranscoder(overrides: Partial<TranscoderConfig> = {}): Transcoder {
	const config = { ...loadConfig(), ...overrides };
	// Folders of a previous process (killed mid-job) belong to jobs nobody can collect any more.
	for (const name of readdirSafe(config.workDir)) {
		if (name.startsWith("job-") || name.startsWith("live-") || name.startsWith("frame-"))
			rmSync(`${config.workDir}/${name}`, { recursive: true, force: true });
	}
	const metrics = new Metrics();
	const jobs = new JobStore(config, metrics);
	const live = new LiveEncodes(config);

	async function startJob(id: string, req: IncomingMessage, res: ServerResponse, query: URLSearchParams) {
		const existing = jobs.get(id);
		if (existing && existing.state !== "failed") return answerUnread(req, res, 200, jobs.view(existing));
		if (existing) await jobs.remove(id);
		if (metrics.running >= config.maxConcurrentJobs) {
			metrics.rejectedBusy++;
			const busy = { code: "busy", message: "all job slots are in use" };
			return answerUnread(req, res, 429, busy, { "retry-after": String(BUSY_RETRY_AFTER_S) });
		}
		if (Number(req.headers["content-length"] ?? 0) > config.maxSourceBytes) {
			return answerUnread(req, res, 413, { code: "source_too_large", message: `sources are limited to ${config.maxSourceBytes} bytes` });
		}
		const clip = clipRangeOf(query);
		if (typeof clip === "string") return answerUnread(req, res, 400, { code: "invalid_clip", message: clip });
		try {
			const asked = Number(query.get("maxSeconds"));
			const maxSeconds = Number.isInteger(asked) && asked > 0 ? Math.min(asked, config.maxSourceSeconds) : config.maxSourceSeconds;
			sendJson(res, 202, jobs.view(await jobs.start(id, req, maxSeconds, clip ?? undefined)));
		} catch (err) {
			if (err instanceof SourceTooLong) {
				// Sound media, only too long: the Worker may keep it so that a clip of it can be made.
				const { code, message, durationMs, maxSeconds } = err;
				return sendJson(res, 422, { code, message, trim: { durationMs, maxSeconds } });
			}
			if (err instanceof UnsupportedSource) return sendJson(res, 422, { code: err.code, message: err.message });
			if (err instanceof SourceTooLarge) return answerUnread(req, res, 413, { code: "source_too_large", message: err.message });
			throw err;
		}
	}

	let framesRunning = 0;
	async function sendFrame(req: IncomingMessage, res: ServerResponse, query: URLSearchParams) {
		const asked = frameRequestOf(query);
		if (typeof asked === "string") return answerUnread(req, res, 400, { code: "invalid_frame_request", message: asked });
		if (framesRunning >= MAX_CONCURRENT_FRAMES) {
			return answerUnread(req, res, 429, { code: "busy", message: "all frame slots are in use" }, { "retry-after": "1" });
		}
		framesRunning++;
		try {
			const jpeg = await frameAt(config.workDir, req, asked);
			res.writeHead(200, { "content-type": "image/jpeg", "content-length": String(jpeg.length) });
			res.end(jpeg);
		} catch (err) {
			if (err instanceof FrameUnreadable) return answerUnread(req, res, 422, { code: "frame_unreadable", message: err.message });
			if (err instanceof SourceTooLarge) return answerUnread(req, res, 413, { code: "source_too_large", message: err.message });
			throw err;
		} finally {
			framesRunning--;
		}
	}

	async function sendFile(id: string, path: string, res: ServerResponse) {
		const job = jobs.get(id);
		const found = job && jobs.filePath(job, path);
		if (!found) return sendJson(res, 404, { code: "file_not_found", message: `no finished output ${path} for job ${id}` });
		res.writeHead(200, { "content-type": found.file.contentType, "content-length": String(found.file.bytes) });
		await pipeline(createReadStream(found.path), res);
	}

	async function sendStatus(id: string, query: URLSearchParams, res: ServerResponse) {
		const job = jobs.get(id);
		if (!job) return sendJson(res, 404, { code: "job_not_found", message: `no job ${id} here` });
		const waitMs = Math.min(MAX_WAIT_MS, Math.max(0, Number(query.get("waitMs")) || 0));
		const after = query.has("after") ? Number(query.get("after")) : -1;
		if (waitMs > 0) await jobs.waitForChange(job, Number.isFinite(after) ? after : -1, waitMs);
		// Removed while we waited (DELETE, or the sweeper): say so rather than describe a ghost.
		if (jobs.get(id) !== job) return sendJson(res, 404, { code: "job_not_found", message: `no job ${id} here` });
		sendJson(res, 200, jobs.view(job));
	}

	async function route(req: IncomingMessage, res: ServerResponse) {
		const url = new URL(req.url ?? "/", "http://transcoder");
		const path = url.pathname;
		if (req.method === "GET" && path === "/health") {
			try {
				return sendJson(res, 200, {
					status: "ok",
					ffmpeg: await ffmpegVersion(),
					running: metrics.running,
					capacity: config.maxConcurrentJobs,
					live: live.active,
					liveCapacity: config.maxLiveStreams,
				});
			} catch (err) {
				return sendJson(res, 503, { status: "unavailable", error: `ffmpeg not runnable: ${(err as Error).message}` });
			}
		}
		if (req.method === "GET" && path === "/metrics") {
			res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
			return res.end(metrics.render());
		}
		if (req.method === "POST" && path === "/frames") return sendFrame(req, res, url.searchParams);
		if (path.startsWith("/live/") && (await routeLive(live, req, res, url, sendJson))) return;
		const match = path.match(/^\/jobs\/([^/]+)(?:\/files\/(.+))?$/);
		const id = match?.[1];
		if (id && JOB_ID.test(id)) {
			const file = match?.[2];
			if (file && req.method === "GET") return sendFile(id, decodeURIComponent(file), res);
			if (!file && req.method === "PUT") return startJob(id, req, res, url.searchParams);
			if (!file && req.method === "GET") return sendStatus(id, url.searchParams, res);
			if (!file && req.method === "DELETE") {
				const removed = await jobs.remove(id);
				res.writeHead(removed ? 204 : 404);
				return res.end();
			}
		}
		req.resume();
		sendJson(res, 404, { code: "not_found", message: `${req.method} ${path} is not a transcoder route` });
	}

	const server = createHttpServer((req, res) => {
		route(req, res).catch((err: Error) => {
			if (!res.headersSent) sendJson(res, 500, { code: "internal_error", message: err.message });
			else res.destroy(err);
		});
	});

	async function drain() {
		await new Promise<void>((resolve) => server.close(() => resolve()));
		while (metrics.running > 0) await new Promise((r) => setTimeout(r, 100));
		await Promise.all([jobs.close(), live.close()]);
	}

	async function shutdown() {
		server.close();
		server.closeAllConnections();
		await Promise.all([jobs.close(), live.close()]);
	}

	return { server, metrics, jobs, live, drain, shutdown };
}

if (import.meta.main) {
	const config = loadConfig();
	const { server, shutdown } = createTranscoder(config);
	server.listen(config.port, config.host, () => {
		console.log(JSON.stringify({ level: "info", msg: "transcoder_listening", host: config.host, port: config.port }));
	});
	// Containers are stopped with SIGTERM (the Dockerfile's STOPSIGNAL): stop at once (see shutdown()).
	for (const signal of ["SIGTERM", "SIGINT"] as const) {
		process.once(signal, () => {
			shutdown().then(
				() => process.exit(0),
				() => process.exit(1),
			);
		});
	}
}
