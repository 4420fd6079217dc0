// How an account hears of things: its notification preferences, and the one-click unsubscribe
// every notification mail links to (no sign-in: it is clicked from a mail client).
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { CHANNELS, type Channel, EMAILABLE_TYPES, type EmailableType } from "../../realtime/notification-mail";
import { preferencesOf, updatePreferences } from "./notification-prefs";
import { verifyUnsubscribe } from "./unsubscribe-link";

const ChannelSchema = z.enum(CHANNELS).openapi({
	description:
		"in_app: the bell and the inbox; email: mailed, not pushed to open sockets; both: the bell, and mailed when it reached no open socket",
});
const ChannelsSchema = z.object(
	Object.fromEntries(EMAILABLE_TYPES.map((t) => [t, ChannelSchema])) as Record<EmailableType, typeof ChannelSchema>,
);

const PreferencesSchema = z
	.object({
		channels: ChannelsSchema,
		digest: z.boolean().openapi({ description: "One mail a day with what happened instead of one mail each" }),
	})
	.openapi("NotificationPreferences");

const get = apiRoute({
	method: "get",
	path: "/api/users/me/notifications",
	tags: ["notifications"],
	summary: "How you hear of each kind of event",
	description:
		"Mail goes only to a verified address. Defaults: a new follower, a comment on your reel and a live stream starting are mailed when you are away; the rest stay in the app.",
	...signedIn(),
	responses: { 200: { description: "Your preferences", ...jsonContent(PreferencesSchema) }, ...problemResponses(401) },
});

const patch = apiRoute({
	method: "patch",
	path: "/api/users/me/notifications",
	tags: ["notifications"],
	summary: "Change how you hear of events",
	...signedIn(jsonBody()),
	request: {
		body: {
			...jsonContent(
				z
					.strictObject({ channels: ChannelsSchema.partial().strict().optional(), digest: z.boolean().optional() })
					.refine((b) => b.channels !== undefined || b.digest !== undefined, "Send channels, digest or both.")
					.openapi("UpdateNotificationPreferences"),
			),
			required: true,
		},
	},
	responses: { 200: { description: "Changed", ...jsonContent(PreferencesSchema) }, ...problemResponses(400, 401, 413, 415) },
});

const unsubscribe = apiRoute({
	method: "post",
	path: "/api/notifications/unsubscribe",
	tags: ["notifications"],
	summary: "Stop one kind of notification mail, from the mail's link (one click, RFC 8058)",
	description:
		"The link in every notification mail (`List-Unsubscribe`): signed for its account and kind, never expiring. `t=all` (the digest's) stops every notification mail.",
	request: {
		query: z.object({
			u: z.uuid(),
			t: z.union([z.enum(EMAILABLE_TYPES), z.literal("all")]),
			s: z.string().min(10).max(200),
		}),
	},
	responses: { 204: { description: "No more of that mail" }, ...problemResponses(400, 404) },
});

export const notificationPrefsRoutes = new OpenAPIHono<AppEnv>()
	.openapi(get, async (c) => c.json(await preferencesOf(c.var.db, c.var.auth.sub), 200))
	.openapi(patch, async (c) => {
		const body = c.req.valid("json");
		return c.json(await updatePreferences(c.var.db, c.var.auth.sub, body), 200);
	})
	.openapi(unsubscribe, async (c) => {
		const { u, t, s } = c.req.valid("query");
		// A wrong signature is the same answer as no such account: the link names nobody to a stranger.
		if (!(await verifyUnsubscribe(c.env, u, t, s))) throw new HttpProblem(404, "user_not_found", "This unsubscribe link is not valid.");
		const off = (t === "all" ? EMAILABLE_TYPES : [t]).map((type) => [type, "in_app" as Channel]);
		await updatePreferences(c.var.db, u, { channels: Object.fromEntries(off), ...(t === "all" ? { digest: false } : {}) }).catch((err) => {
			// The account is gone (a foreign key): nothing is mailed to it anyway.
			if (String(err).includes("foreign key")) return;
			throw err;
		});
		return c.body(null, 204);
	});
