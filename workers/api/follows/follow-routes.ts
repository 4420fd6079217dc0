// Follows. The edge and both users' counters change in one transaction, the
// counters in a single UPDATE over both rows (so two people following each
// other at once cannot deadlock), and only when the edge really changed.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../../lib/app/app-env";
import { requireAuth } from "../../lib/auth/authenticate";
import { jsonContent } from "../../lib/http/json-content";
import { decodeCursor, encodeCursor, PageQuerySchema } from "../../lib/pagination/keyset-cursor";
import { pageOf } from "../../lib/pagination/page";
import type { Db } from "../../lib/postgres/routed-database";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { drainOutbox, enqueueEvent } from "../../realtime/outbox";
import { UserIdParamSchema } from "../users/user-schemas";

const FollowStateSchema = z.object({ following: z.boolean(), followerCount: z.number().int() }).openapi("FollowState");
const FollowPageSchema = z
	.object({
		items: z.array(z.object({ id: z.uuid(), name: z.string(), followedAt: z.string().openapi({ format: "date-time" }) })),
		nextCursor: z.string().nullable(),
	})
	.openapi("FollowPage");

const userNotFound = () => new HttpProblem(404, "user_not_found", "No user with that id.");

const follow = createRoute({
	method: "post",
	path: "/api/users/{id}/follow",
	tags: ["follows"],
	summary: "Follow a user (idempotent)",
	security: [{ bearer: [] }],
	middleware: [requireAuth()] as const,
	request: { params: UserIdParamSchema },
	responses: { 200: { description: "Following", ...jsonContent(FollowStateSchema) }, ...problemResponses(400, 401, 404, 429, 503) },
});

const unfollow = createRoute({
	method: "delete",
	path: "/api/users/{id}/follow",
	tags: ["follows"],
	summary: "Stop following a user (idempotent)",
	security: [{ bearer: [] }],
	middleware: [requireAuth()] as const,
	request: { params: UserIdParamSchema },
	responses: { 200: { description: "Not following", ...jsonContent(FollowStateSchema) }, ...problemResponses(400, 401, 404, 429, 503) },
});

const listRoute = (which: "followers" | "following") =>
	createRoute({
		method: "get",
		path: `/api/users/{id}/${which}`,
		tags: ["follows"],
		summary: which === "followers" ? "Who follows this user, most recent first" : "Whom this user follows, most recent first",
		request: { params: UserIdParamSchema, query: PageQuerySchema },
		responses: { 200: { description: "A page", ...jsonContent(FollowPageSchema) }, ...problemResponses(400, 404, 429) },
	});

async function followerCount(q: Db, id: string): Promise<number> {
	const { rows } = await q.execute<{ follower_count: number }>(sql`SELECT follower_count FROM users WHERE id = ${id}`);
	const row = rows[0];
	if (!row) throw userNotFound();
	return row.follower_count;
}

/** Adjusts both users' counters in one statement: +1 or -1 when the edge changed. */
const adjustCounts = (q: Db, follower: string, followee: string, delta: 1 | -1) =>
	q.execute(sql`
		UPDATE users SET
			follower_count = follower_count + CASE WHEN id = ${followee}::uuid THEN ${delta}::int ELSE 0 END,
			following_count = following_count + CASE WHEN id = ${follower}::uuid THEN ${delta}::int ELSE 0 END
		WHERE id IN (${follower}::uuid, ${followee}::uuid)`);

function listFollows(which: "followers" | "following") {
	// followers: edges into :id, listing their follower; following: edges out of :id, listing their followee.
	const [match, other] = which === "followers" ? ["followee_id", "follower_id"] : ["follower_id", "followee_id"];
	return new OpenAPIHono<AppEnv>().openapi(listRoute(which), async (c) => {
		const { id } = c.req.valid("param");
		const { cursor, limit } = c.req.valid("query");
		const after = cursor ? decodeCursor(cursor) : null;
		const { rows, exists } = await c.var.db.read(async (q) => {
			const page = await q.execute<{ id: string; name: string; created_at: Date }>(sql`
				SELECT u.id, u.name, f.created_at FROM follows f JOIN users u ON u.id = f.${sql.raw(other)}
				WHERE f.${sql.raw(match)} = ${id}
				${after ? sql`AND (f.created_at, f.${sql.raw(other)}) < (${after.createdAt.toISOString()}::timestamptz, ${after.id}::uuid)` : sql``}
				ORDER BY f.created_at DESC, f.${sql.raw(other)} DESC LIMIT ${limit + 1}`);
			// An empty page needs telling apart from an unknown user.
			const found = page.rows.length > 0 || (await q.execute(sql`SELECT 1 FROM users WHERE id = ${id}`)).rows.length > 0;
			return { rows: page.rows, exists: found };
		});
		if (!exists) throw userNotFound();
		const { items, nextCursor } = pageOf(rows, limit, (r) => encodeCursor({ createdAt: new Date(r.created_at), id: r.id }));
		return c.json(
			{ items: items.map((r) => ({ id: r.id, name: r.name, followedAt: new Date(r.created_at).toISOString() })), nextCursor },
			200,
		);
	});
}

export const followRoutes = new OpenAPIHono<AppEnv>()
	.openapi(follow, async (c) => {
		const { id } = c.req.valid("param");
		const me = c.var.auth?.sub as string;
		if (id === me) throw new HttpProblem(400, "cannot_follow_self", "You cannot follow yourself.");
		const { count, outboxIds } = await c.var.db.write((q) =>
			q.transaction(async (tx) => {
				const { rows } = await tx.execute(sql`
					INSERT INTO follows (follower_id, followee_id) SELECT ${me}, id FROM users WHERE id = ${id}
					ON CONFLICT DO NOTHING RETURNING followee_id`);
				const ids: string[] = [];
				if (rows.length) {
					await adjustCounts(tx, me, id, 1);
					const [name] = (await tx.execute<{ name: string }>(sql`SELECT name FROM users WHERE id = ${me}`)).rows;
					ids.push(
						await enqueueEvent(tx, {
							to: { userIds: [id] },
							type: "NEW_FOLLOWER",
							data: { followerId: me, followerName: name?.name ?? "" },
							dedupeKey: `new-follower:${me}:${id}`,
						}),
					);
				}
				return { count: await followerCount(tx, id), outboxIds: ids };
			}),
		);
		c.executionCtx.waitUntil(drainOutbox(c.env, outboxIds));
		return c.json({ following: true, followerCount: count }, 200);
	})
	.openapi(unfollow, async (c) => {
		const { id } = c.req.valid("param");
		const me = c.var.auth?.sub as string;
		const count = await c.var.db.write((q) =>
			q.transaction(async (tx) => {
				const { rows } = await tx.execute(sql`DELETE FROM follows WHERE follower_id = ${me} AND followee_id = ${id} RETURNING 1`);
				if (rows.length) await adjustCounts(tx, me, id, -1);
				return followerCount(tx, id);
			}),
		);
		return c.json({ following: false, followerCount: count }, 200);
	})
	.route("/", listFollows("followers"))
	.route("/", listFollows("following"));
