// POST /api/playback: what players report, and GET …/analytics: what it adds up to.
import { OpenAPIHono } from "@hono/zod-openapi";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { isAdmin } from "../../lib/auth/authenticate";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { problemResponses } from "../../lib/problems/problem-schema";
import { ReelIdParamSchema } from "../reels/reel-schemas";
import { reelNotFound } from "../reels/reel-store";
import { requireDeviceViewer, viewCountKey } from "../reels/view-key";
import { foldEvents } from "./fold-events";
import { accountAnalytics, reelAnalytics } from "./playback-analytics";
import {
	AccountAnalyticsSchema,
	AnalyticsQuerySchema,
	PlaybackBatchSchema,
	PlaybackReceiptSchema,
	ReelAnalyticsSchema,
} from "./playback-schemas";
import { recordViews } from "./playback-store";

const reportRoute = apiRoute({
	method: "post",
	path: "/api/playback",
	tags: ["playback"],
	summary: "Report playback (a player's batch of events)",
	description:
		"Signed in or anonymous (then `deviceId` names the player). Figures are the view's totals so far, so a report may be sent again safely; the server keeps the largest it accepts, clamped to the time since the view began and to the reel's duration times 5. A view counts toward the reel's `viewCount` when it is first reported, once per viewer (or address) per reel per hour. Reports have their own hourly budget per account, or per address when anonymous. Send it with `fetch(…, {keepalive: true})` when the page is hidden.",
	middleware: [jsonBody()] as const,
	request: { body: { ...jsonContent(PlaybackBatchSchema), required: true } },
	responses: {
		200: { description: "What the report changed", ...jsonContent(PlaybackReceiptSchema) },
		...problemResponses(400, 413, 415, 429, 503),
	},
});

const reelAnalyticsRoute = apiRoute({
	method: "get",
	path: "/api/reels/{id}/analytics",
	tags: ["playback"],
	summary: "A reel's playback analytics (its author, or an admin)",
	description: "404 for anyone else, as for a reel that does not exist.",
	...signedIn(),
	request: { params: ReelIdParamSchema, query: AnalyticsQuerySchema },
	responses: { 200: { description: "The figures", ...jsonContent(ReelAnalyticsSchema) }, ...problemResponses(400, 401, 404, 429) },
});

const accountAnalyticsRoute = apiRoute({
	method: "get",
	path: "/api/users/me/analytics",
	tags: ["playback"],
	summary: "Your reels' playback analytics: totals and the ten most viewed",
	...signedIn(),
	request: { query: AnalyticsQuerySchema },
	responses: { 200: { description: "The figures", ...jsonContent(AccountAnalyticsSchema) }, ...problemResponses(400, 401, 429) },
});

/** The first moment of the day `days - 1` days before today (UTC): today and the days before it. */
function sinceDays(days: number): Date {
	const since = new Date();
	since.setUTCHours(0, 0, 0, 0);
	since.setUTCDate(since.getUTCDate() - (days - 1));
	return since;
}

export const playbackRoutes = new OpenAPIHono<AppEnv>()
	.openapi(reportRoute, async (c) => {
		const { deviceId, events } = c.req.valid("json");
		const viewer = requireDeviceViewer(c, deviceId);
		const views = foldEvents(events);
		const keyed = await Promise.all(views.map(async (v) => ({ ...v, countKey: await viewCountKey(c, v.reelId) })));
		const accepted = await recordViews(c.var.db, viewer, keyed);
		return c.json({ accepted, ignored: views.length - accepted }, 200);
	})
	.openapi(reelAnalyticsRoute, async (c) => {
		const { id } = c.req.valid("param");
		const since = sinceDays(c.req.valid("query").days);
		const found = await reelAnalytics(c.var.db, { id: c.var.auth.sub, admin: isAdmin(c) }, id, since);
		if (!found) throw reelNotFound();
		return c.json({ reelId: id, since: since.toISOString(), ...found }, 200);
	})
	.openapi(accountAnalyticsRoute, async (c) => {
		const since = sinceDays(c.req.valid("query").days);
		return c.json({ since: since.toISOString(), ...(await accountAnalytics(c.var.db, c.var.auth.sub, since)) }, 200);
	});
