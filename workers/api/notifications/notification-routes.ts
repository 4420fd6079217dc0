import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type { AppEnv } from "../../lib/app/app-env";
import { requireAuth } from "../../lib/auth/authenticate";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { decodeIdCursor, encodeIdCursor } from "../../lib/pagination/id-cursor";
import { pageOf } from "../../lib/pagination/page";
import { notifications } from "../../lib/postgres/schema";
import { problemResponses } from "../../lib/problems/problem-schema";

const NotificationSchema = z
	.object({
		id: z.uuid(),
		type: z.string(),
		data: z.unknown(),
		createdAt: z.string().openapi({ format: "date-time" }),
		readAt: z.string().nullable().openapi({ format: "date-time" }),
	})
	.openapi("Notification");

const ListQuerySchema = z.object({
	cursor: z.string().max(64).optional(),
	limit: z.coerce.number().int().min(1).max(100).default(20),
	unread: z.enum(["true", "false"]).optional().openapi({ description: "`true`: only unread ones" }),
});

const MarkReadSchema = z
	.union([z.strictObject({ ids: z.array(z.uuid()).min(1).max(100) }), z.strictObject({ all: z.literal(true) })])
	.openapi("MarkNotificationsRead");

const list = createRoute({
	method: "get",
	path: "/api/notifications",
	tags: ["notifications"],
	summary: "Your inbox, newest first",
	description: "Every event published to you, whether or not you were connected.",
	security: [{ bearer: [] }],
	middleware: [requireAuth()] as const,
	request: { query: ListQuerySchema },
	responses: {
		200: {
			description: "A page",
			...jsonContent(z.object({ items: z.array(NotificationSchema), nextCursor: z.string().nullable(), unread: z.number().int() })),
		},
		...problemResponses(400, 401, 429),
	},
});

const markRead = createRoute({
	method: "post",
	path: "/api/notifications/read",
	tags: ["notifications"],
	summary: "Mark notifications read",
	description: "`{ids: [...]}` (up to 100 of yours) or `{all: true}`. Idempotent.",
	security: [{ bearer: [] }],
	middleware: [requireAuth(), jsonBody()] as const,
	request: { body: { ...jsonContent(MarkReadSchema), required: true } },
	responses: {
		200: { description: "How many changed", ...jsonContent(z.object({ updated: z.number().int() })) },
		...problemResponses(400, 401, 413, 415, 429),
	},
});

export const notificationRoutes = new OpenAPIHono<AppEnv>()
	.openapi(list, async (c) => {
		const userId = c.var.auth?.sub ?? "";
		const { cursor, limit, unread } = c.req.valid("query");
		const before = cursor ? decodeIdCursor(cursor) : undefined;
		const [rows, counts] = await c.var.db.read((q) =>
			Promise.all([
				q
					.select()
					.from(notifications)
					.where(
						and(
							eq(notifications.userId, userId),
							before ? lt(notifications.id, before) : undefined,
							unread === "true" ? isNull(notifications.readAt) : undefined,
						),
					)
					.orderBy(desc(notifications.id))
					.limit(limit + 1),
				q
					.select({ n: sql<number>`count(*)::int` })
					.from(notifications)
					.where(and(eq(notifications.userId, userId), isNull(notifications.readAt))),
			]),
		);
		const { items, nextCursor } = pageOf(rows, limit, (n) => encodeIdCursor(n.id));
		return c.json(
			{
				items: items.map((n) => ({
					id: n.id,
					type: n.type,
					data: n.data,
					createdAt: n.createdAt.toISOString(),
					readAt: n.readAt?.toISOString() ?? null,
				})),
				nextCursor,
				unread: counts[0]?.n ?? 0,
			},
			200,
		);
	})
	.openapi(markRead, async (c) => {
		const userId = c.var.auth?.sub ?? "";
		const body = c.req.valid("json");
		const updated = await c.var.db.write((q) =>
			q
				.update(notifications)
				.set({ readAt: new Date() })
				.where(
					and(
						eq(notifications.userId, userId),
						isNull(notifications.readAt),
						"ids" in body ? inArray(notifications.id, body.ids) : undefined,
					),
				)
				.returning({ id: notifications.id }),
		);
		return c.json({ updated: updated.length }, 200);
	});
