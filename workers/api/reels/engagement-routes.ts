// Likes, views and comments. Every counter changes in the same statement as
// the row that justifies it (a data-modifying CTE), so counts stay exact under
// any concurrency without read-modify-write, and repeating a like or a view
// changes nothing.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { Context } from "hono";
import type { AppEnv } from "../../lib/app/app-env";
import { requireAuth } from "../../lib/auth/authenticate";
import { toHex } from "../../lib/encoding/bytes";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { uuidv7 } from "../../lib/ids/uuidv7";
import { decodeIdCursor, encodeIdCursor } from "../../lib/pagination/id-cursor";
import { PageQuerySchema } from "../../lib/pagination/keyset-cursor";
import { pageOf } from "../../lib/pagination/page";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { clientIp } from "../../lib/rate-limit/client-ip";
import { drainOutbox, enqueueEvent } from "../../realtime/outbox";
import { VISIBLE } from "./reel-cards";
import { reelFor } from "./reel-routes";
import { CommentSchema, CreateCommentSchema, LikeStateSchema, ReelIdParamSchema } from "./reel-schemas";

const reelNotFound = () => new HttpProblem(404, "reel_not_found", "No reel with that id.");

const like = createRoute({
	method: "post",
	path: "/api/reels/{id}/like",
	tags: ["engagement"],
	summary: "Like a reel (idempotent)",
	security: [{ bearer: [] }],
	middleware: [requireAuth()] as const,
	request: { params: ReelIdParamSchema },
	responses: { 200: { description: "Liked", ...jsonContent(LikeStateSchema) }, ...problemResponses(400, 401, 404, 429, 503) },
});

const unlike = createRoute({
	method: "delete",
	path: "/api/reels/{id}/like",
	tags: ["engagement"],
	summary: "Take a like back (idempotent)",
	security: [{ bearer: [] }],
	middleware: [requireAuth()] as const,
	request: { params: ReelIdParamSchema },
	responses: { 200: { description: "Not liked", ...jsonContent(LikeStateSchema) }, ...problemResponses(400, 401, 404, 429, 503) },
});

const view = createRoute({
	method: "post",
	path: "/api/reels/{id}/views",
	tags: ["engagement"],
	summary: "Count a view",
	description:
		"Counted once per viewer per reel per clock hour: the signed-in user, or else a hash of the hour, the reel and the client address (never the address itself).",
	request: { params: ReelIdParamSchema },
	responses: {
		200: { description: "Whether this view counted", ...jsonContent(z.object({ counted: z.boolean(), viewCount: z.number().int() })) },
		...problemResponses(400, 404, 429, 503),
	},
});

const CommentPageSchema = z.object({ items: z.array(CommentSchema), nextCursor: z.string().nullable() }).openapi("CommentPage");

const listComments = createRoute({
	method: "get",
	path: "/api/reels/{id}/comments",
	tags: ["engagement"],
	summary: "A reel's comments, newest first",
	request: { params: ReelIdParamSchema, query: PageQuerySchema },
	responses: { 200: { description: "A page", ...jsonContent(CommentPageSchema) }, ...problemResponses(400, 404, 429) },
});

const IdempotencyHeaderSchema = z.object({
	"idempotency-key": z
		.string()
		.regex(/^[A-Za-z0-9_-]{8,100}$/, "Idempotency-Key: 8-100 letters, digits, _ or -")
		.optional()
		.openapi({ description: "Send the same key when retrying: the comment is created once" }),
});

const addComment = createRoute({
	method: "post",
	path: "/api/reels/{id}/comments",
	tags: ["engagement"],
	summary: "Comment on a reel",
	security: [{ bearer: [] }],
	middleware: [requireAuth(), jsonBody()] as const,
	request: { params: ReelIdParamSchema, headers: IdempotencyHeaderSchema, body: { ...jsonContent(CreateCommentSchema), required: true } },
	responses: {
		201: { description: "Created", ...jsonContent(CommentSchema) },
		200: { description: "Already created with this Idempotency-Key", ...jsonContent(CommentSchema) },
		...problemResponses(400, 401, 404, 413, 415, 429, 503),
	},
});

const deleteComment = createRoute({
	method: "delete",
	path: "/api/comments/{id}",
	tags: ["engagement"],
	summary: "Delete a comment (its author, the reel's author, or an admin)",
	security: [{ bearer: [] }],
	middleware: [requireAuth()] as const,
	request: { params: z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) }) },
	responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404, 429) },
});

interface CommentRow extends Record<string, unknown> {
	id: string;
	reel_id: string;
	text: string;
	created_at: Date;
	author_id: string;
	author_name: string;
}
const toComment = (r: CommentRow) => ({
	id: r.id,
	reelId: r.reel_id,
	text: r.text,
	author: { id: r.author_id, name: r.author_name },
	createdAt: new Date(r.created_at).toISOString(),
});

async function viewerKey(c: Context<AppEnv>, reelId: string): Promise<string> {
	const user = c.var.auth?.sub;
	if (user) return `u:${user}`;
	const hour = new Date().toISOString().slice(0, 13);
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${hour}|${reelId}|${clientIp(c)}`));
	return `ip:${toHex(new Uint8Array(digest)).slice(0, 32)}`;
}

export const engagementRoutes = new OpenAPIHono<AppEnv>()
	.openapi(like, async (c) => {
		const { id } = c.req.valid("param");
		const user = c.var.auth?.sub as string;
		const { state, outboxIds } = await c.var.db.write((q) =>
			q.transaction(async (tx) => {
				const { rows } = await tx.execute<{ like_count: number; author_id: string; added: number }>(sql`
					WITH target AS (SELECT r.id FROM reels r WHERE r.id = ${id} AND ${VISIBLE}),
					     ins AS (INSERT INTO likes (reel_id, user_id) SELECT id, ${user} FROM target ON CONFLICT DO NOTHING RETURNING reel_id)
					UPDATE reels SET like_count = like_count + (SELECT count(*) FROM ins)
					WHERE id = (SELECT id FROM target)
					RETURNING like_count, author_id, (SELECT count(*) FROM ins)::int AS added`);
				const row = rows[0];
				if (!row) throw reelNotFound();
				const ids =
					row.added && row.author_id !== user
						? [
								await enqueueEvent(tx, {
									to: { userIds: [row.author_id] },
									type: "REEL_LIKED",
									data: { reelId: id, userId: user, likeCount: row.like_count },
									// Like, unlike, like again: the author hears of it once.
									dedupeKey: `reel-liked:${id}:${user}`,
								}),
							]
						: [];
				return { state: { liked: true, likeCount: row.like_count }, outboxIds: ids };
			}),
		);
		c.executionCtx.waitUntil(drainOutbox(c.env, outboxIds));
		return c.json(state, 200);
	})
	.openapi(unlike, async (c) => {
		const { id } = c.req.valid("param");
		const user = c.var.auth?.sub as string;
		const { rows } = await c.var.db.write((q) =>
			q.execute<{ like_count: number }>(sql`
				WITH del AS (DELETE FROM likes WHERE reel_id = ${id} AND user_id = ${user} RETURNING reel_id)
				UPDATE reels SET like_count = like_count - (SELECT count(*) FROM del) WHERE id = ${id}
				RETURNING like_count`),
		);
		const row = rows[0];
		if (!row) throw reelNotFound();
		return c.json({ liked: false, likeCount: row.like_count }, 200);
	})
	.openapi(view, async (c) => {
		const { id } = c.req.valid("param");
		const viewer = await viewerKey(c, id);
		const { rows } = await c.var.db.write((q) =>
			q.execute<{ view_count: number; counted: number }>(sql`
				WITH target AS (SELECT r.id FROM reels r WHERE r.id = ${id} AND ${VISIBLE}),
				     ins AS (INSERT INTO reel_views (reel_id, viewer, hour) SELECT id, ${viewer}, date_trunc('hour', now()) FROM target
				             ON CONFLICT DO NOTHING RETURNING 1)
				UPDATE reels SET view_count = view_count + (SELECT count(*) FROM ins)
				WHERE id = (SELECT id FROM target)
				RETURNING view_count, (SELECT count(*) FROM ins)::int AS counted`),
		);
		const row = rows[0];
		if (!row) throw reelNotFound();
		return c.json({ counted: row.counted === 1, viewCount: row.view_count }, 200);
	})
	.openapi(listComments, async (c) => {
		const { id } = c.req.valid("param");
		const { cursor, limit } = c.req.valid("query");
		const before = cursor ? decodeIdCursor(cursor) : null;
		await reelFor(c, id);
		const { rows } = await c.var.db.read((q) =>
			q.execute<CommentRow>(sql`
				SELECT cm.id, cm.reel_id, cm.text, cm.created_at, u.id AS author_id, u.name AS author_name
				FROM comments cm JOIN users u ON u.id = cm.author_id
				WHERE cm.reel_id = ${id} ${before ? sql`AND cm.id < ${before}::uuid` : sql``}
				ORDER BY cm.id DESC LIMIT ${limit + 1}`),
		);
		const { items, nextCursor } = pageOf(rows, limit, (r) => encodeIdCursor(r.id));
		return c.json({ items: items.map(toComment), nextCursor }, 200);
	})
	.openapi(addComment, async (c) => {
		const { id } = c.req.valid("param");
		const { text } = c.req.valid("json");
		const key = c.req.valid("header")["idempotency-key"] ?? null;
		const user = c.var.auth?.sub as string;
		const { comment, created, outboxIds } = await c.var.db.write((q) =>
			q.transaction(async (tx) => {
				const commentId = uuidv7();
				const inserted = await tx.execute<{ author_id: string }>(sql`
					INSERT INTO comments (id, reel_id, author_id, text, idempotency_key)
					SELECT ${commentId}, r.id, ${user}, ${text}, ${key} FROM reels r WHERE r.id = ${id} AND ${VISIBLE}
					ON CONFLICT (author_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
					RETURNING (SELECT author_id FROM reels WHERE id = ${id}) AS author_id`);
				const reelAuthor = inserted.rows[0]?.author_id;
				let ids: string[] = [];
				if (reelAuthor) {
					await tx.execute(sql`UPDATE reels SET comment_count = comment_count + 1 WHERE id = ${id}`);
					if (reelAuthor !== user) {
						ids = [
							await enqueueEvent(tx, {
								to: { userIds: [reelAuthor] },
								type: "NEW_COMMENT",
								data: { reelId: id, commentId, authorId: user, text },
								dedupeKey: `new-comment:${commentId}`,
							}),
						];
					}
				}
				const found = await tx.execute<CommentRow>(sql`
					SELECT cm.id, cm.reel_id, cm.text, cm.created_at, u.id AS author_id, u.name AS author_name
					FROM comments cm JOIN users u ON u.id = cm.author_id
					WHERE ${reelAuthor ? sql`cm.id = ${commentId}` : sql`cm.author_id = ${user} AND cm.idempotency_key = ${key} AND cm.reel_id = ${id}`}`);
				return { comment: found.rows[0], created: Boolean(reelAuthor), outboxIds: ids };
			}),
		);
		if (!comment) throw reelNotFound();
		c.executionCtx.waitUntil(drainOutbox(c.env, outboxIds));
		return c.json(toComment(comment), created ? 201 : 200);
	})
	.openapi(deleteComment, async (c) => {
		const { id } = c.req.valid("param");
		const user = c.var.auth?.sub as string;
		const admin = c.var.auth?.role === "admin";
		await c.var.db.write((q) =>
			q.transaction(async (tx) => {
				const { rows } = await tx.execute<{ author_id: string; reel_author: string }>(sql`
					SELECT cm.author_id, r.author_id AS reel_author FROM comments cm JOIN reels r ON r.id = cm.reel_id
					WHERE cm.id = ${id} FOR UPDATE OF cm`);
				const row = rows[0];
				if (!row) throw new HttpProblem(404, "comment_not_found", "No comment with that id.");
				if (!admin && row.author_id !== user && row.reel_author !== user) {
					throw new HttpProblem(403, "not_your_comment", "Only the comment's author, the reel's author or an admin may delete it.");
				}
				await tx.execute(sql`
					WITH del AS (DELETE FROM comments WHERE id = ${id} RETURNING reel_id)
					UPDATE reels SET comment_count = comment_count - (SELECT count(*) FROM del) WHERE id = (SELECT reel_id FROM del)`);
			}),
		);
		return c.body(null, 204);
	});
