import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { requireAuth } from "../../lib/auth/authenticate";
import { requireUpgrade } from "../../lib/http/require-upgrade";
import { upgradeForObject } from "../../lib/http/websocket-subprotocols";
import { problemResponses } from "../../lib/problems/problem-schema";
import { MAX_TOPICS_PER_SOCKET, SHARD_CONNECT_HEADER, type ShardConnect, TopicSchema } from "../../realtime/events";
import { ringFor } from "../../realtime/ring-config";
import { shardName } from "../../realtime/shard-ring";

const QuerySchema = z.object({
	since: z
		.string()
		.regex(/^\d{1,15}$/, "since is a whole number (the last seq you saw)")
		.transform(Number)
		.optional()
		.openapi({ type: "integer", minimum: 0 }),
	topics: z
		.string()
		.max(400)
		.optional()
		.transform((t) => (t ? t.split(",") : []))
		.pipe(z.array(TopicSchema).max(MAX_TOPICS_PER_SOCKET, `at most ${MAX_TOPICS_PER_SOCKET} topics`))
		.openapi({ type: "string", description: "Comma-separated broadcast topics" }),
	token: z
		.string()
		.optional()
		.openapi({ description: "The access token, for clients that can set neither a header nor a subprotocol (it ends up in URLs)" }),
});

const connect = apiRoute({
	method: "get",
	path: "/ws",
	tags: ["realtime"],
	summary: "Real-time events over a WebSocket",
	description:
		"Upgrade with an access token (`Authorization: Bearer`, subprotocols `bearer, <token>`, or `?token=`, which ends up in URLs: prefer the others); it is checked, with its session, before the upgrade. `?since=<seq>` replays missed events, then sends RECOVERED; `?topics=a,b` subscribes to broadcasts. Events: docs/events.md.",
	security: [{ bearer: [] }],
	middleware: [requireUpgrade, requireAuth()] as const,
	request: { query: QuerySchema },
	responses: {
		101: { description: "Switching protocols: the socket is open" },
		...problemResponses(400, 401, 426, 429),
	},
});

/**
 * GET /ws: behind the app's request stack (burst limit, database, the token
 * from a header, subprotocol or query, its session, the hourly quota), then
 * hands the socket to the shard the ring assigns to the user.
 */
export const websocketRoutes = new OpenAPIHono<AppEnv>().openapi(connect, async (c) => {
	const { since, topics } = c.req.valid("query");
	const { sub, sid, exp } = c.var.auth;
	const shardIndex = ringFor(c.env).shardOf(sub);
	const meta: ShardConnect = {
		userId: sub,
		sessionId: sid,
		tokenExpiresAt: exp,
		shardIndex,
		topics,
		...(since !== undefined ? { since } : {}),
	};
	const headers = upgradeForObject(c.req.raw, SHARD_CONNECT_HEADER, meta);
	return c.env.NOTIFICATION_SHARD.getByName(shardName(shardIndex)).fetch(new Request("https://shard.internal/connect", { headers }));
});
