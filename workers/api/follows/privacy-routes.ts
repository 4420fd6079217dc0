// An account's say over who follows it and who sees it: blocks, follow
// requests to a private account, and removing a follower. The SQL lives in
// follow-store.ts and block-store.ts.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { PageQuerySchema, pageSchema, timeIdCursor } from "../../lib/pagination/cursor-codec";
import { pageOf } from "../../lib/pagination/page";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { writeWithEvents } from "../../realtime/outbox";
import { requestEvents } from "../request-events";
import { UserIdParamSchema } from "../users/user-schemas";
import { block, unblock } from "./block-store";
import { approveRequest, dropRequest, followRequestsTo, lockPair, removeFollow } from "./follow-store";

const BlockStateSchema = z.object({ blocked: z.boolean() }).openapi("BlockState");
const FollowRequestPageSchema = pageSchema(
	z.object({ id: z.uuid(), name: z.string(), requestedAt: z.string().openapi({ format: "date-time" }) }),
	"FollowRequestPage",
);
const UserIdOnlyParam = z.object({
	userId: z.uuid().openapi({ param: { name: "userId", in: "path" }, example: "0190f1c4-6f1a-7c3e-9d2b-5b8e0c1a2b3c" }),
});
const AnswerSchema = z.strictObject({ approve: z.boolean() }).openapi("FollowRequestAnswer");
const noRequest = () => new HttpProblem(404, "follow_request_not_found", "That account has no pending request to follow you.");

const blockRoute = (method: "post" | "delete") =>
	apiRoute({
		method,
		path: "/api/users/{id}/block",
		tags: ["follows"],
		summary:
			method === "post"
				? "Block a user: follows both ways end; they cannot follow you, see, like or comment on your reels (idempotent)"
				: "Unblock a user (idempotent)",
		...signedIn(),
		request: { params: UserIdParamSchema },
		responses: { 200: { description: "Done", ...jsonContent(BlockStateSchema) }, ...problemResponses(400, 401, 404, 429, 503) },
	});

const listRequests = apiRoute({
	method: "get",
	path: "/api/users/me/follow-requests",
	tags: ["follows"],
	summary: "Pending requests to follow your private account, newest first",
	...signedIn(),
	request: { query: PageQuerySchema },
	responses: { 200: { description: "A page", ...jsonContent(FollowRequestPageSchema) }, ...problemResponses(400, 401, 429) },
});

const answerRequest = apiRoute({
	method: "post",
	path: "/api/users/me/follow-requests/{userId}",
	tags: ["follows"],
	summary: "Approve or decline a request to follow you",
	...signedIn(jsonBody()),
	request: { params: UserIdOnlyParam, body: { ...jsonContent(AnswerSchema), required: true } },
	responses: {
		204: { description: "Approved (they follow you now) or declined" },
		...problemResponses(400, 401, 404, 413, 415, 429, 503),
	},
});

const removeFollower = apiRoute({
	method: "delete",
	path: "/api/users/me/followers/{userId}",
	tags: ["follows"],
	summary: "Remove a follower (they may ask again; block them to stop that)",
	...signedIn(),
	request: { params: UserIdOnlyParam },
	responses: { 204: { description: "They no longer follow you" }, ...problemResponses(400, 401, 429, 503) },
});

export const privacyRoutes = new OpenAPIHono<AppEnv>()
	.openapi(listRequests, async (c) => {
		const { cursor, limit } = c.req.valid("query");
		const rows = await followRequestsTo(c.var.db, c.var.auth.sub, cursor ? timeIdCursor.decode(cursor) : null, limit);
		const { items, nextCursor } = pageOf(rows, limit, (r) => timeIdCursor.encode({ t: r.cursor_at, i: r.id }));
		return c.json(
			{ items: items.map((r) => ({ id: r.id, name: r.name, requestedAt: new Date(r.created_at).toISOString() })), nextCursor },
			200,
		);
	})
	.openapi(answerRequest, async (c) => {
		const { userId } = c.req.valid("param");
		const { approve } = c.req.valid("json");
		const me = c.var.auth.sub;
		const found = await writeWithEvents(requestEvents(c), (tx, emit) =>
			approve ? approveRequest(tx, emit, me, userId) : dropRequest(tx, userId, me),
		);
		if (!found) throw noRequest();
		return c.body(null, 204);
	})
	.openapi(removeFollower, async (c) => {
		const { userId } = c.req.valid("param");
		await c.var.db.write((q) =>
			q.transaction(async (tx) => {
				// The pair's lock first, as follows and unfollows take it (follow-store.ts): no deadlock with either.
				await lockPair(tx, userId, c.var.auth.sub);
				await removeFollow(tx, userId, c.var.auth.sub);
			}),
		);
		return c.body(null, 204);
	})
	.openapi(blockRoute("post"), async (c) => {
		const { id } = c.req.valid("param");
		await c.var.db.write((q) => q.transaction((tx) => block(tx, c.var.auth.sub, id)));
		return c.json({ blocked: true }, 200);
	})
	.openapi(blockRoute("delete"), async (c) => {
		const { id } = c.req.valid("param");
		await c.var.db.write((q) => q.transaction((tx) => unblock(tx, c.var.auth.sub, id)));
		return c.json({ blocked: false }, 200);
	});
