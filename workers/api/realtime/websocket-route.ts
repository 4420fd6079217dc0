import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../lib/app/app-env";
import { verifyAccessToken } from "../../lib/auth/access-token";
import { sessionIsLive } from "../../lib/auth/authenticate";
import { HttpProblem } from "../../lib/problems/http-problem";
import { SHARD_CONNECT_HEADER, type ShardConnect, TopicSchema } from "../../realtime/events";
import { ringFor } from "../../realtime/ring-config";
import { shardName } from "../../realtime/shard-ring";

const QuerySchema = z.object({
	since: z.coerce.number().int().min(0).optional(),
	topics: z
		.string()
		.max(400)
		.optional()
		.transform((t) => (t ? t.split(",") : []))
		.pipe(z.array(TopicSchema).max(10)),
});

/** The access token from `Authorization`, the `bearer, <token>` subprotocol convention, or `?token=`. */
function presentedToken(req: Request): string | undefined {
	const auth = req.headers.get("authorization");
	if (auth?.startsWith("Bearer ")) return auth.slice(7);
	const protocols = req.headers
		.get("sec-websocket-protocol")
		?.split(",")
		.map((p) => p.trim());
	if (protocols && protocols[0] === "bearer" && protocols[1]) return protocols[1];
	return new URL(req.url).searchParams.get("token") ?? undefined;
}

/**
 * GET /ws: authenticates before the upgrade (401 otherwise), then hands the
 * socket to the shard the ring assigns to the user.
 */
export const websocketRoutes = new Hono<AppEnv>().get("/ws", async (c) => {
	if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
		throw new HttpProblem(426, "upgrade_required", "Connect with a WebSocket upgrade.", {}, { Upgrade: "websocket" });
	}
	const token = presentedToken(c.req.raw);
	if (!token) throw new HttpProblem(401, "authentication_required", "Send an access token (Authorization, subprotocol or ?token=).");
	const claims = await verifyAccessToken(c.env, token);
	c.var.db.readAtLeast(claims.lsn);
	if (!(await sessionIsLive(c.var.db, claims))) throw new HttpProblem(401, "invalid_token", "The session has ended; sign in again.");
	const query = QuerySchema.safeParse({ since: c.req.query("since"), topics: c.req.query("topics") });
	if (!query.success) {
		throw new HttpProblem(400, "validation_failed", "The connection parameters are not valid.", {
			errors: query.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
		});
	}
	const shardIndex = ringFor(c.env).shardOf(claims.sub);
	const meta: ShardConnect = {
		userId: claims.sub,
		tokenExpiresAt: claims.exp,
		shardIndex,
		topics: query.data.topics,
		...(query.data.since !== undefined ? { since: query.data.since } : {}),
	};
	// Only the headers the shard needs: never forward the client's own x-reels-* headers.
	const headers = new Headers({ upgrade: "websocket", [SHARD_CONNECT_HEADER]: JSON.stringify(meta) });
	const protocol = c.req.header("sec-websocket-protocol");
	if (protocol) headers.set("sec-websocket-protocol", protocol);
	return c.env.NOTIFICATION_SHARD.getByName(shardName(shardIndex)).fetch(new Request("https://shard.internal/connect", { headers }));
});

/** /ws in the OpenAPI document (hono-zod-openapi cannot express the upgrade itself). */
export const websocketPathDoc = {
	method: "get" as const,
	path: "/ws",
	tags: ["realtime"],
	summary: "Real-time events over a WebSocket",
	description:
		"Upgrade with an access token (`Authorization: Bearer`, subprotocols `bearer, <token>`, or `?token=`, which ends up in request logs: prefer the others). `?since=<seq>` replays missed events, then sends RECOVERED; `?topics=a,b` subscribes to broadcasts. Events: docs/events.md.",
	security: [{ bearer: [] }],
	request: { query: QuerySchema.extend({ token: z.string().optional() }) },
	responses: {
		101: { description: "Switching protocols: the socket is open" },
		400: { description: "Malformed since or topics" },
		401: { description: "No valid access token, or the session has ended" },
		426: { description: "Not a WebSocket upgrade" },
	},
};
