// Reports and their review. Reports weighing REEL_HIDE_AFTER_REPORTS in all
// hide a reel at once (pending review); new or discredited accounts weigh
// nothing (moderation-store.ts). Admins list reported reels, restore them
// (reports dismissed) or delete them (DELETE /api/reels/:id), which takes the
// video down for good.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute, signedIn, withRole } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { configOf } from "../../lib/config/config";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { forgetSharedReads } from "../../lib/http/shared-reads";
import { idCursor, PageQuerySchema, pageSchema } from "../../lib/pagination/cursor-codec";
import { pageOf } from "../../lib/pagination/page";
import { problemResponses } from "../../lib/problems/problem-schema";
import { writeWithEvents } from "../../realtime/outbox";
import { requestEvents } from "../request-events";
import { reportedReels, reportReel, restoreReel } from "./moderation-store";
import { toReel } from "./reel-cards";
import { syncVideoAccess, withMediaUrls } from "./reel-media-access";
import { viewer } from "./reel-routes";
import { ReelIdParamSchema, ReelSchema, ReportSchema } from "./reel-schemas";
import { reelById } from "./reel-store";
import { reelWebhook } from "./reel-webhooks";

const report = apiRoute({
	method: "post",
	path: "/api/reels/{id}/report",
	tags: ["moderation"],
	summary: "Report a reel (once per person)",
	...signedIn(jsonBody()),
	request: { params: ReelIdParamSchema, body: { ...jsonContent(ReportSchema), required: true } },
	responses: {
		202: { description: "Received", ...jsonContent(z.object({ reported: z.literal(true) })) },
		...problemResponses(400, 401, 404, 413, 415, 429, 503),
	},
});

const ReportedPageSchema = pageSchema(ReelSchema.extend({ reportCount: z.number().int() }), "ReportedReelPage");

const reported = apiRoute({
	method: "get",
	path: "/api/admin/reels/reported",
	tags: ["moderation"],
	summary: "Reels with reports, hidden or not, newest first (admin)",
	...withRole("admin"),
	request: { query: PageQuerySchema },
	responses: { 200: { description: "A page", ...jsonContent(ReportedPageSchema) }, ...problemResponses(400, 401, 403, 429) },
});

const restore = apiRoute({
	method: "post",
	path: "/api/admin/reels/{id}/restore",
	tags: ["moderation"],
	summary: "Clear a reel's reports and show it again (admin)",
	...withRole("admin"),
	request: { params: ReelIdParamSchema },
	responses: { 200: { description: "Restored", ...jsonContent(ReelSchema) }, ...problemResponses(400, 401, 403, 404, 429) },
});

export const moderationRoutes = new OpenAPIHono<AppEnv>()
	.openapi(report, async (c) => {
		const { reason, detail } = c.req.valid("json");
		const reelId = c.req.valid("param").id;
		const videoAssetId = await writeWithEvents(requestEvents(c), async (tx, emit) => {
			const reported = await reportReel(tx, {
				reelId,
				reporterId: c.var.auth.sub,
				reason: detail ? `${reason}: ${detail}` : reason,
				weighing: {
					hideAfter: configOf(c.env).REEL_HIDE_AFTER_REPORTS,
					minAccountAgeHours: configOf(c.env).REPORT_MIN_ACCOUNT_AGE_HOURS,
					maxDismissed: configOf(c.env).REPORTER_MAX_DISMISSED,
				},
			});
			// The report that crossed the line tells the author's webhooks, in the same transaction.
			if (reported.newlyHidden)
				await emit(await reelWebhook(c.env, tx, "reel.hidden", reported.authorId, reelId, reported.hiddenAt ?? undefined));
			return reported.videoAssetId;
		});
		// A report that hid the reel withdraws its media from the edge at once, and its card from this isolate's shared reads.
		forgetSharedReads(c);
		await syncVideoAccess(c.env, c.var.db, videoAssetId, c.req.url);
		return c.json({ reported: true as const }, 202);
	})
	.openapi(reported, async (c) => {
		const { cursor, limit } = c.req.valid("query");
		const rows = await reportedReels(c.var.db, c.var.auth.sub, cursor ? idCursor.decode(cursor) : null, limit);
		const { items, nextCursor } = pageOf(rows, limit, (r) => idCursor.encode(r.id));
		const reels = await Promise.all(
			items.map(async (r) => ({ ...(await withMediaUrls(c.env, toReel(r))), reportCount: Number(r.report_count) })),
		);
		return c.json({ items: reels, nextCursor }, 200);
	})
	.openapi(restore, async (c) => {
		const { id } = c.req.valid("param");
		await restoreReel(c.var.db, id);
		forgetSharedReads(c);
		const row = await reelById(c.var.db, viewer(c), id, { primary: true });
		await syncVideoAccess(c.env, c.var.db, row.video_asset_id, c.req.url);
		return c.json(await withMediaUrls(c.env, toReel(row)), 200);
	});
