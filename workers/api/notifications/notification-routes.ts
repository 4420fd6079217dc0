import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { idCursor, limitParam, pageSchema } from "../../lib/pagination/cursor-codec";
import { pageOf } from "../../lib/pagination/page";
import { problemResponses } from "../../lib/problems/problem-schema";
import { publicImageUrls } from "../users/avatar-urls";
import { inboxPage, markRead } from "./notification-store";
import { linkOf } from "./notification-view";

const ActorSchema = z
	.object({
		id: z.uuid(),
		name: z.string(),
		handle: z.string(),
		avatarUrl: z.string().nullable().openapi({ description: "A /cdn path of the avatar image, or null" }),
	})
	.openapi("NotificationActor");

const NotificationSchema = z
	.object({
		id: z.uuid(),
		type: z.string(),
		data: z.record(z.string(), z.unknown()),
		actor: ActorSchema.nullable().openapi({ description: "Who caused it, as they are now; null for events of your own uploads" }),
		link: z.string().nullable().openapi({ description: "The web app's page for it: the reel, the live stream or the actor's profile" }),
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
	description:
		"What happened that you may want to read later, whether or not you were connected: likes, comments, mentions, follows, new reels and live streams of those you follow, your videos ready or failed. Progress is sent on the WebSocket only. Events from accounts you blocked are left out.",
	...signedIn(),
	request: { query: ListQuerySchema },
	responses: {
		200: {
			description: "A page",
			...jsonContent(
				pageSchema(NotificationSchema, "NotificationPage").extend({
					unread: z.number().int().openapi({ description: "Unread notifications, counted up to 1,000" }),
				}),
			),
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
		const { items, nextCursor } = pageOf(rows, limit, (r) => idCursor.encode(r.notification.id));
		const avatars = await publicImageUrls(
			c.env,
			items.map((r) => r.actor?.avatarAssetId),
		);
		return c.json(
			{
				items: items.map(({ notification: n, actor }) => ({
					id: n.id,
					type: n.type,
					data: n.data,
					actor: actor && {
						id: actor.id,
						name: actor.name,
						handle: actor.handle,
						avatarUrl: (actor.avatarAssetId && avatars.get(actor.avatarAssetId)) ?? null,
					},
					link: linkOf((n.data ?? {}) as Record<string, unknown>, actor?.handle ?? null),
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
