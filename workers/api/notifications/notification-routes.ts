import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { idCursor, limitParam, pageSchema } from "../../lib/pagination/cursor-codec";
import { pageOf } from "../../lib/pagination/page";
import { problemResponses } from "../../lib/problems/problem-schema";
import { inboxPage, markRead } from "./notification-store";

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
	limit: limitParam(100),
	unread: z.enum(["true", "false"]).optional().openapi({ description: "`true`: only unread ones" }),
});

const MarkReadSchema = z
	.union([z.strictObject({ ids: z.array(z.uuid()).min(1).max(100) }), z.strictObject({ all: z.literal(true) })])
	.openapi("MarkNotificationsRead");

const list = apiRoute({
	method: "get",
	path: "/api/notifications",
	tags: ["notifications"],
	summary: "Your inbox, newest first",
	description: "Every event published to you, whether or not you were connected.",
	...signedIn(),
	request: { query: ListQuerySchema },
	responses: {
		200: {
			description: "A page",
			...jsonContent(pageSchema(NotificationSchema, "NotificationPage").extend({ unread: z.number().int() })),
		},
		...problemResponses(400, 401, 429),
	},
});

const markReadRoute = apiRoute({
	method: "post",
	path: "/api/notifications/read",
	tags: ["notifications"],
	summary: "Mark notifications read",
	description: "`{ids: [...]}` (up to 100 of yours) or `{all: true}`. Idempotent.",
	...signedIn(jsonBody()),
	request: { body: { ...jsonContent(MarkReadSchema), required: true } },
	responses: {
		200: { description: "How many changed", ...jsonContent(z.object({ updated: z.number().int() })) },
		...problemResponses(400, 401, 413, 415, 429),
	},
});

export const notificationRoutes = new OpenAPIHono<AppEnv>()
	.openapi(list, async (c) => {
		const { cursor, limit, unread } = c.req.valid("query");
		const { rows, unread: unreadCount } = await inboxPage(c.var.db, {
			userId: c.var.auth.sub,
			beforeId: cursor ? idCursor.decode(cursor) : null,
			limit,
			unreadOnly: unread === "true",
		});
		const { items, nextCursor } = pageOf(rows, limit, (n) => idCursor.encode(n.id));
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
				unread: unreadCount,
			},
			200,
		);
	})
	.openapi(markReadRoute, async (c) => c.json({ updated: await markRead(c.var.db, c.var.auth.sub, c.req.valid("json")) }, 200));
