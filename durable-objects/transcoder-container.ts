import { Container } from "@cloudflare/containers";
import { logger } from "../workers/lib/observability/logger";

/**
 * Production home of transcode-container/: one container instance per
 * Durable Object id. The Worker reaches it only through
 * workers/transcoder/transcoder-client.ts.
 */
export class TranscoderContainer extends Container<Env> {
	override defaultPort = 8080;
	// A reel transcode takes seconds to minutes; idle instances go to sleep after that.
	override sleepAfter = "5m";
	override envVars = {
		MAX_CONCURRENT_JOBS: "1",
		MAX_SOURCE_SECONDS: "180",
	};

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
