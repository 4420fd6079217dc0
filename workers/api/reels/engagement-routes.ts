// Likes, views and comments: the routes. The SQL, with its exactness under
// concurrency, lives in engagement-store.ts.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { viewerOf } from "../../lib/auth/authenticate";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { uuidv7 } from "../../lib/ids/uuidv7";
import { idCursor, PageQuerySchema, pageSchema } from "../../lib/pagination/cursor-codec";
import { pageOf } from "../../lib/pagination/page";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { writeWithEvents } from "../../realtime/outbox";
import { requestEvents } from "../request-events";
import {
	addComment,
	type CommentRow,
	commentsOf,
	countView,
	deleteComment,
	like,
	reelOfComment,
	repliesOf,
	unlike,
} from "./engagement-store";
import { viewer } from "./reel-routes";
import { CommentSchema, CreateCommentSchema, LikeStateSchema, ReelIdParamSchema } from "./reel-schemas";
import { reelById } from "./reel-store";
import { viewCountKey } from "./view-key";

const likeRoute = apiRoute({
	method: "post",
	path: "/api/reels/{id}/like",
	tags: ["engagement"],
	summary: "Like a reel (idempotent)",
	...signedIn(),
	request: { params: ReelIdParamSchema },
	responses: { 200: { description: "Liked", ...jsonContent(LikeStateSchema) }, ...problemResponses(400, 401, 404, 429, 503) },
});

const unlikeRoute = apiRoute({
	method: "delete",
	path: "/api/reels/{id}/like",
	tags: ["engagement"],
	summary: "Take a like back (idempotent)",
	...signedIn(),
	request: { params: ReelIdParamSchema },
	responses: { 200: { description: "Not liked", ...jsonContent(LikeStateSchema) }, ...problemResponses(400, 401, 404, 429, 503) },
});

const viewRoute = apiRoute({
	method: "post",
	path: "/api/reels/{id}/views",
	tags: ["engagement"],
	summary: "Count a view",
	description:
		"Counted once per viewer per reel per clock hour: the signed-in user, or else a hash of the hour, the reel and the client address (never the address itself). Only of a reel the caller may see (404 otherwise): a follower's view of a followers-only reel counts, a blocked account's view does not.",
	request: { params: ReelIdParamSchema },
	responses: {
		200: { description: "Whether this view counted", ...jsonContent(z.object({ counted: z.boolean(), viewCount: z.number().int() })) },
		...problemResponses(400, 404, 429, 503),
	},
});

const CommentPageSchema = pageSchema(CommentSchema, "CommentPage");

const listCommentsRoute = apiRoute({
	method: "get",
	path: "/api/reels/{id}/comments",
	tags: ["engagement"],
	summary: "A reel's comments, newest first",
	description: "Top-level comments only, each with its `replyCount`; a thread's replies are read with `GET /api/comments/{id}/replies`.",
	request: { params: ReelIdParamSchema, query: PageQuerySchema },
	responses: { 200: { description: "A page", ...jsonContent(CommentPageSchema) }, ...problemResponses(400, 404, 429) },
});

const CommentIdParamSchema = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });

const listRepliesRoute = apiRoute({
	method: "get",
	path: "/api/comments/{id}/replies",
	tags: ["engagement"],
	summary: "A comment's replies, oldest first",
	description: "404 when there is no such comment or its reel is not one the caller may see.",
	request: { params: CommentIdParamSchema, query: PageQuerySchema },
	responses: { 200: { description: "A page", ...jsonContent(CommentPageSchema) }, ...problemResponses(400, 404, 429) },
});

const IdempotencyHeaderSchema = z.object({
	"idempotency-key": z
		.string()
		.regex(/^[A-Za-z0-9_-]{8,100}$/, "Idempotency-Key: 8-100 letters, digits, _ or -")
		.optional()
		.openapi({ description: "Send the same key when retrying: the comment is created once" }),
});

const addCommentRoute = apiRoute({
	method: "post",
	path: "/api/reels/{id}/comments",
	tags: ["engagement"],
	summary: "Comment on a reel, or reply to one of its comments (`replyTo`)",
	...signedIn(jsonBody()),
	request: { params: ReelIdParamSchema, headers: IdempotencyHeaderSchema, body: { ...jsonContent(CreateCommentSchema), required: true } },
	responses: {
		201: { description: "Created", ...jsonContent(CommentSchema) },
		200: { description: "Already created with this Idempotency-Key", ...jsonContent(CommentSchema) },
		...problemResponses(400, 401, 404, 413, 415, 429, 503),
	},
});

const deleteCommentRoute = apiRoute({
	method: "delete",
	path: "/api/comments/{id}",
	tags: ["engagement"],
	summary: "Delete a comment (its author, the reel's author, or an admin)",
	...signedIn(),
	description: "A top-level comment goes with its replies.",
	request: { params: CommentIdParamSchema },
	responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404, 429) },
});

const toComment = (r: CommentRow) => ({
	id: r.id,
	reelId: r.reel_id,
	parentId: r.parent_id,
	replyCount: r.reply_count,
	text: r.text,
	author: { id: r.author_id, name: r.author_name, handle: r.author_handle },
	createdAt: new Date(r.created_at).toISOString(),
});

export const engagementRoutes = new OpenAPIHono<AppEnv>()
	.openapi(likeRoute, async (c) => {
		const { id } = c.req.valid("param");
		return c.json(await like(requestEvents(c), id, c.var.auth.sub), 200);
	})
	.openapi(unlikeRoute, async (c) => c.json(await unlike(c.var.db, c.req.valid("param").id, c.var.auth.sub), 200))
	.openapi(viewRoute, async (c) => {
		const { id } = c.req.valid("param");
		return c.json(await countView(c.var.db, id, await viewCountKey(c, id), viewerOf(c) ?? null), 200);
	})
	.openapi(listCommentsRoute, async (c) => {
		const { id } = c.req.valid("param");
		const { cursor, limit } = c.req.valid("query");
		const before = cursor ? idCursor.decode(cursor) : null;
		await reelById(c.var.db, viewer(c), id);
		const rows = await commentsOf(c.var.db, id, before, limit);
		const { items, nextCursor } = pageOf(rows, limit, (r) => idCursor.encode(r.id));
		return c.json({ items: items.map(toComment), nextCursor }, 200);
	})
	.openapi(listRepliesRoute, async (c) => {
		const { id } = c.req.valid("param");
		const { cursor, limit } = c.req.valid("query");
		const after = cursor ? idCursor.decode(cursor) : null;
		const noSuchComment = () => new HttpProblem(404, "comment_not_found", "No comment with that id.");
		const reelId = await reelOfComment(c.var.db, id);
		if (!reelId) throw noSuchComment();
		// Who may read a thread is who may read the reel, and to anyone else the comment is not there
		// (the same problem as an unknown id: a hidden reel's comment ids say nothing).
		await reelById(c.var.db, viewer(c), reelId).catch((e: unknown) => {
			throw e instanceof HttpProblem && e.status === 404 ? noSuchComment() : e;
		});
		const rows = await repliesOf(c.var.db, id, after, limit);
		const { items, nextCursor } = pageOf(rows, limit, (r) => idCursor.encode(r.id));
		return c.json({ items: items.map(toComment), nextCursor }, 200);
	})
	.openapi(addCommentRoute, async (c) => {
		const { id } = c.req.valid("param");
		const { text, replyTo } = c.req.valid("json");
		const idempotencyKey = c.req.valid("header")["idempotency-key"] ?? null;
		const { comment, created } = await writeWithEvents(requestEvents(c), (tx, emit) =>
			addComment(tx, emit, { id: uuidv7(), reelId: id, authorId: c.var.auth.sub, text, idempotencyKey, replyTo: replyTo ?? null }),
		);
		return c.json(toComment(comment), created ? 201 : 200);
	})
	.openapi(deleteCommentRoute, async (c) => {
		await deleteComment(c.var.db, c.req.valid("param").id, { userId: c.var.auth.sub, admin: c.var.auth.role === "admin" });
		return c.body(null, 204);
	});
