// The Worker's entry: HTTP (the hono app), queues, and every Durable Object
// class the bundle exports (wrangler.toml binds them by class name).
import { createApp } from "./app";
import { handleQueue } from "./queue";
import { runScheduled } from "./scheduled";

const app = createApp();

export default {
	fetch: app.fetch,
	queue: handleQueue,
	scheduled: async (controller, env, ctx) => {
		ctx.waitUntil(runScheduled(controller.cron, env));
	},
} satisfies ExportedHandler<Env>;

export { NotificationShard } from "../durable-objects/notification-shard";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { ReplicationHeartbeat } from "../durable-objects/replication-heartbeat";
export { TranscoderContainer } from "../durable-objects/transcoder-container";
