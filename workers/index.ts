// The Worker's entry: HTTP (the hono app), queues, and every Durable Object
// class the bundle exports (wrangler.toml binds them by class name).
import { createApp } from "./app";
import { cachedMedia } from "./cdn/delivery/cached-media";
import { handleQueue } from "./queue";
import { runScheduled } from "./scheduled";

const app = createApp();

export default {
	// Cached public media first: the media plane's hot path skips the router and the middleware stack.
	fetch: async (request, env, ctx) => (await cachedMedia(request, env)) ?? app.fetch(request, env, ctx),
	queue: handleQueue,
	scheduled: async (controller, env, ctx) => {
		ctx.waitUntil(runScheduled(controller.cron, env));
	},
} satisfies ExportedHandler<Env>;

export { ApiKeyGate } from "../durable-objects/api-key-gate";
export { LiveSlots } from "../durable-objects/live-slots";
export { LiveStream } from "../durable-objects/live-stream";
export { NotificationShard } from "../durable-objects/notification-shard";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { ReplicationHeartbeat } from "../durable-objects/replication-heartbeat";
export { FrameTranscoderContainer, LiveTranscoderContainer, TranscoderContainer } from "../durable-objects/transcoder-container";
export { UserGate } from "../durable-objects/user-gate";
