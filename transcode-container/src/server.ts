// The transcoder's HTTP surface. It knows nothing of Workers: the Worker's
// transcoder client (workers/transcoder/) reaches it through a Cloudflare
// Container in production and through TRANSCODER_URL locally.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadConfig, type TranscoderConfig } from "./config.ts";
import { Metrics } from "./metrics.ts";
import { probeFile, UnsupportedSource } from "./probe.ts";
import { SourceTooLarge, spoolToFile } from "./spool.ts";

const execFileAsync = promisify(execFile);
const BUSY_RETRY_AFTER_S = 5;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
	res.writeHead(status, { "content-type": "application/json", ...headers });
	res.end(JSON.stringify(body));
}

async function ffmpegVersion(): Promise<string> {
	const { stdout } = await execFileAsync("ffmpeg", ["-hide_banner", "-version"], { timeout: 5_000 });
	return stdout.split("\n")[0] ?? "unknown";
}

export interface Transcoder {
	server: Server;
	metrics: Metrics;
	/** Stops taking requests and resolves once running jobs have finished. */
	drain(): Promise<void>;
}

export function createTranscoder(config: TranscoderConfig = loadConfig()): Transcoder {
	const metrics = new Metrics();

	async function handleProbe(req: IncomingMessage, res: ServerResponse) {
		if (metrics.running >= config.maxConcurrentJobs) {
			metrics.rejectedBusy++;
			req.resume();
			return sendJson(res, 429, { code: "busy", message: "all job slots are in use" }, { "retry-after": String(BUSY_RETRY_AFTER_S) });
		}
		const declared = Number(req.headers["content-length"] ?? 0);
		if (declared > config.maxSourceBytes) {
			req.resume();
			return sendJson(res, 413, { code: "source_too_large", message: `sources are limited to ${config.maxSourceBytes} bytes` });
		}
		metrics.running++;
		const started = performance.now();
		await mkdir(config.workDir, { recursive: true });
		const dir = await mkdtemp(join(config.workDir, "job-"));
		let status: number;
		let body: unknown;
		try {
			const source = join(dir, "source");
			await spoolToFile(req, source, config.maxSourceBytes);
			body = await probeFile(source, config.maxSourceSeconds);
			status = 200;
			metrics.done++;
		} catch (err) {
			metrics.failed++;
			if (err instanceof UnsupportedSource) [status, body] = [422, { code: err.code, message: err.message }];
			else if (err instanceof SourceTooLarge) [status, body] = [413, { code: "source_too_large", message: err.message }];
			else [status, body] = [500, { code: "internal_error", message: (err as Error).message }];
		} finally {
			// Temp disk is per job and reclaimed before the answer goes out, whatever the outcome.
			await rm(dir, { recursive: true, force: true });
			metrics.running--;
			metrics.secondsSpent += (performance.now() - started) / 1000;
		}
		sendJson(res, status, body);
	}

	async function route(req: IncomingMessage, res: ServerResponse) {
		const path = new URL(req.url ?? "/", "http://transcoder").pathname;
		if (req.method === "GET" && path === "/health") {
			try {
				return sendJson(res, 200, {
					status: "ok",
					ffmpeg: await ffmpegVersion(),
					running: metrics.running,
					capacity: config.maxConcurrentJobs,
				});
			} catch (err) {
				return sendJson(res, 503, { status: "unavailable", error: `ffmpeg not runnable: ${(err as Error).message}` });
			}
		}
		if (req.method === "GET" && path === "/metrics") {
			res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
			return res.end(metrics.render());
		}
		if (req.method === "POST" && path === "/probe") return handleProbe(req, res);
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
	}

	return { server, metrics, drain };
}

if (import.meta.main) {
	const config = loadConfig();
	const { server, drain } = createTranscoder(config);
	server.listen(config.port, config.host, () => {
		console.log(JSON.stringify({ level: "info", msg: "transcoder_listening", host: config.host, port: config.port }));
	});
	// Containers are stopped with SIGTERM (the Dockerfile's STOPSIGNAL): finish running jobs first.
	for (const signal of ["SIGTERM", "SIGINT"] as const) {
		process.once(signal, () => {
			drain().then(
				() => process.exit(0),
				() => process.exit(1),
			);
		});
	}
}
