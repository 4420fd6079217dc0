import { Container } from "@cloudflare/containers";
import { logger } from "../workers/lib/observability/logger";
import { endsTheJob } from "./transcoder-lifecycle";

/**
 * Production home of transcode-container/: one container instance per
 * Durable Object id. The Worker reaches it only through
 * workers/transcoder/transcoder-client.ts.
 */
export class TranscoderContainer extends Container<Env> {
	override defaultPort = 8080;
	// Stopped as soon as its job's files are collected (fetch below); this only catches a Worker that died first.
	override sleepAfter = "5m";
	// The transcoder needs nothing from the internet: sources come in and outputs go out through the Worker.
	override enableInternet = false;
	override envVars = {
		MAX_CONCURRENT_JOBS: "1",
		MAX_SOURCE_SECONDS: "180",
		MAX_JOB_SECONDS: "600",
		// An instance holds one live stream's generation (addressed `live-<stream>-g<gen>`), as it holds one job.
		MAX_LIVE_STREAMS: "1",
	};

	/**
	 * One instance serves one job (the Worker addresses it by asset id). Once the
	 * Worker deletes the job (its files are in R2, or it failed for good), the
	 * instance stops instead of idling out `sleepAfter` on one of max_instances.
	 */
	override async fetch(request: Request): Promise<Response> {
		const res = await super.fetch(request);
		if (endsTheJob(request, res.status)) this.ctx.waitUntil(this.stop());
		return res;
	}

	override onStart() {
		logger.info("transcoder_container_started", { id: this.ctx.id.toString() });
	}

	override onStop() {
		logger.info("transcoder_container_stopped", { id: this.ctx.id.toString() });
	}

	override onError(error: unknown) {
		logger.error("transcoder_container_error", { id: this.ctx.id.toString(), error: String(error) });
		throw error;
	}
}

/**
 * The live encoders' pool: the same image, its own class, so its own max_instances (wrangler.toml).
 * Live streams hold an instance for hours; uploads, in TranscoderContainer, never wait behind them.
 * Which pool a call reaches is the Worker's choice (transcoder-client.ts `sender`).
 */
export class LiveTranscoderContainer extends TranscoderContainer {}

/**
 * The frames' pool (covers and `/cdn/…/thumbnail.jpg?time=`, workers/covers/video-frame.ts): small
 * instances of their own, so strangers asking for frames can neither take an upload's instance nor
 * keep large ones running; an idle one stops after a minute.
 */
export class FrameTranscoderContainer extends TranscoderContainer {
	override sleepAfter = "1m";
}
