import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute, withRole } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { problemResponses } from "../../lib/problems/problem-schema";
import { TopicSchema } from "../../realtime/events";
import { publish } from "../../realtime/publish";
import { ringFor } from "../../realtime/ring-config";
import { shardName } from "../../realtime/shard-ring";

const ShardStatsSchema = z.object({
	index: z.number().int(),
	connections: z.number().int(),
	users: z.number().int(),
	delivered: z.number().int(),
	storedEvents: z.number().int(),
	ringShare: z.number(),
});

const stats = apiRoute({
	method: "get",
	path: "/api/realtime/stats",
	tags: ["realtime"],
	summary: "Connections and deliveries per shard, and the ring's balance (admin)",
	...withRole("admin"),
	responses: {
		200: {
			description: "Per shard",
			...jsonContent(
				z.object({
					shards: z.array(ShardStatsSchema),
					totals: z.object({ connections: z.number().int(), delivered: z.number().int() }),
					ring: z.object({ shards: z.number().int(), virtualNodes: z.number().int(), maxShareOverMean: z.number() }),
				}),
			),
		},
		...problemResponses(401, 403, 429),
	},
});

const broadcast = apiRoute({
	method: "post",
	path: "/api/realtime/broadcast",
	tags: ["realtime"],
	summary: "Send an ANNOUNCEMENT to every socket subscribed to a topic (admin)",
	...withRole("admin", jsonBody()),
	request: {
		body: {
			...jsonContent(z.strictObject({ topic: TopicSchema, data: z.record(z.string(), z.unknown()) }).openapi("Broadcast")),
			required: true,
		},
	},
	responses: {
		202: { description: "Sent", ...jsonContent(z.object({ delivered: z.number().int() })) },
		...problemResponses(400, 401, 403, 413, 415, 429),
	},
});

export const realtimeAdminRoutes = new OpenAPIHono<AppEnv>()
	.openapi(stats, async (c) => {
		const ring = ringFor(c.env);
		const shares = ring.ownership();
		const shards = await Promise.all(
			shares.map(async (ringShare, index) => ({
				index,
				ringShare,
				...(await c.env.NOTIFICATION_SHARD.getByName(shardName(index)).stats()),
			})),
		);
		const mean = 1 / shares.length;
		return c.json(
			{
				shards,
				totals: { connections: shards.reduce((a, s) => a + s.connections, 0), delivered: shards.reduce((a, s) => a + s.delivered, 0) },
				ring: { shards: ring.config.shards, virtualNodes: ring.config.virtualNodes, maxShareOverMean: Math.max(...shares) / mean },
			},
			200,
		);
	})
	.openapi(broadcast, async (c) => {
		const { topic, data } = c.req.valid("json");
		const { delivered } = await publish(c.env, c.var.db, { topic }, { type: "ANNOUNCEMENT", data });
		return c.json({ delivered }, 202);
	});
