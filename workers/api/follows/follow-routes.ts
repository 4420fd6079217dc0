// Follows: the routes. The SQL, with its exact counters, lives in follow-store.ts.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { isAdmin, viewerOf } from "../../lib/auth/authenticate";
import { jsonContent } from "../../lib/http/json-content";
import { PageQuerySchema, pageSchema, timeIdCursor } from "../../lib/pagination/cursor-codec";
import { pageOf } from "../../lib/pagination/page";
import { problemResponses } from "../../lib/problems/problem-schema";
import { writeWithEvents } from "../../realtime/outbox";
import { requestEvents } from "../request-events";
import { UserIdParamSchema } from "../users/user-schemas";
import { follow, followsOf, unfollow } from "./follow-store";

const FollowStateSchema = z
	.object({
		following: z.boolean(),
		requested: z.boolean().openapi({ description: "A request waits for the private account's approval" }),
		followerCount: z.number().int(),
	})
	.openapi("FollowState");
const FollowPageSchema = pageSchema(
	z.object({ id: z.uuid(), name: z.string(), followedAt: z.string().openapi({ format: "date-time" }) }),
	"FollowPage",
);

const followRoute = apiRoute({
	method: "post",
	path: "/api/users/{id}/follow",
	tags: ["follows"],
	summary: "Follow a user, or ask to when their account is private (idempotent)",
	...signedIn(),
	request: { params: UserIdParamSchema },
	responses: {
		200: { description: "Following, or requested", ...jsonContent(FollowStateSchema) },
		...problemResponses(400, 401, 403, 404, 429, 503),
	},
});

const unfollowRoute = apiRoute({
	method: "delete",
	path: "/api/users/{id}/follow",
	tags: ["follows"],
	summary: "Stop following a user, or withdraw a request (idempotent)",
	...signedIn(),
	request: { params: UserIdParamSchema },
	responses: { 200: { description: "Not following", ...jsonContent(FollowStateSchema) }, ...problemResponses(400, 401, 404, 429, 503) },
});

const listRoute = (which: "followers" | "following") =>
	apiRoute({
		method: "get",
		path: `/api/users/{id}/${which}`,
		tags: ["follows"],
		summary: which === "followers" ? "Who follows this user, most recent first" : "Whom this user follows, most recent first",
		request: { params: UserIdParamSchema, query: PageQuerySchema },
		description: "A private account's lists are for its approved followers (and itself): 403 `private_account` to others.",
		responses: { 200: { description: "A page", ...jsonContent(FollowPageSchema) }, ...problemResponses(400, 403, 404, 429) },
	});

function listFollows(which: "followers" | "following") {
	return new OpenAPIHono<AppEnv>().openapi(listRoute(which), async (c) => {
		const { id } = c.req.valid("param");
		const { cursor, limit } = c.req.valid("query");
		const viewer = { id: viewerOf(c) ?? null, admin: isAdmin(c) };
		const rows = await followsOf(c.var.db, viewer, which, id, cursor ? timeIdCursor.decode(cursor) : null, limit);
		const { items, nextCursor } = pageOf(rows, limit, (r) => timeIdCursor.encode({ t: r.cursor_at, i: r.id }));
		return c.json(
			{ items: items.map((r) => ({ id: r.id, name: r.name, followedAt: new Date(r.created_at).toISOString() })), nextCursor },
			200,
		);
	});
}

export const followRoutes = new OpenAPIHono<AppEnv>()
	.openapi(followRoute, async (c) => {
		const { id } = c.req.valid("param");
		return c.json(await writeWithEvents(requestEvents(c), (tx, emit) => follow(tx, emit, c.var.auth.sub, id)), 200);
	})
	.openapi(unfollowRoute, async (c) => {
		const count = await unfollow(c.var.db, c.var.auth.sub, c.req.valid("param").id);
		return c.json({ following: false, requested: false, followerCount: count }, 200);
	})
	.route("/", listFollows("followers"))
	.route("/", listFollows("following"));
