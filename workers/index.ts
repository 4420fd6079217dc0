// The Worker's entry: HTTP (the hono app), queues, and every Durable Object
// class the bundle exports (wrangler.toml binds them by class name).
import { createApp } from "./app";
import { cleanupAbandonedUploads } from "./cdn/tus/cleanup-abandoned-uploads";
import { handleQueue } from "./queue";

const app = createApp();

export default {
	fetch: app.fetch,
	queue: handleQueue,
	scheduled: async (_controller, env, ctx) => {
		ctx.waitUntil(cleanupAbandonedUploads(env));
	},
} satisfies ExportedHandler<Env>;

export { NotificationShard } from "../durable-objects/notification-shard";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { TranscoderContainer } from "../durable-objects/transcoder-container";
