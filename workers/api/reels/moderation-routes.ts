// Reports and their review. A reel reported by REEL_HIDE_AFTER_REPORTS
// different people is hidden at once (pending review); admins list reported
// reels, restore them (reports cleared) or delete them (DELETE /api/reels/:id).
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../../lib/app/app-env";
import { requireAuth, requireRole } from "../../lib/auth/authenticate";
import { configOf } from "../../lib/config/config";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { decodeIdCursor, encodeIdCursor } from "../../lib/pagination/id-cursor";
import { PageQuerySchema } from "../../lib/pagination/keyset-cursor";
import { pageOf } from "../../lib/pagination/page";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { selectReels, toReel, VISIBLE } from "./reel-cards";
import { reelFor } from "./reel-routes";
import { ReelIdParamSchema, ReelSchema, ReportSchema } from "./reel-schemas";

const report = createRoute({
	method: "post",
	path: "/api/reels/{id}/report",
	tags: ["moderation"],
	summary: "Report a reel (once per person)",
	security: [{ bearer: [] }],
	middleware: [requireAuth(), jsonBody()] as const,
	request: { params: ReelIdParamSchema, body: { ...jsonContent(ReportSchema), required: true } },
	responses: {
		202: { description: "Received", ...jsonContent(z.object({ reported: z.literal(true) })) },
		...problemResponses(400, 401, 404, 413, 415, 429, 503),
	},
});

const ReportedPageSchema = z
	.object({ items: z.array(ReelSchema.extend({ reportCount: z.number().int() })), nextCursor: z.string().nullable() })
	.openapi("ReportedReelPage");

const reported = createRoute({
	method: "get",
	path: "/api/admin/reels/reported",
	tags: ["moderation"],
	summary: "Reels with reports, hidden or not, newest first (admin)",
	security: [{ bearer: [] }],
	middleware: [requireRole("admin")] as const,
	request: { query: PageQuerySchema },
	responses: { 200: { description: "A page", ...jsonContent(ReportedPageSchema) }, ...problemResponses(400, 401, 403, 429) },
});

const restore = createRoute({
	method: "post",
	path: "/api/admin/reels/{id}/restore",
	tags: ["moderation"],
	summary: "Clear a reel's reports and show it again (admin)",
	security: [{ bearer: [] }],
	middleware: [requireRole("admin")] as const,
	request: { params: ReelIdParamSchema },
	responses: { 200: { description: "Restored", ...jsonContent(ReelSchema) }, ...problemResponses(400, 401, 403, 404, 429) },
});

export const moderationRoutes = new OpenAPIHono<AppEnv>()
	.openapi(report, async (c) => {
		const { id } = c.req.valid("param");
		const { reason, detail } = c.req.valid("json");
		const threshold = configOf(c.env).REEL_HIDE_AFTER_REPORTS;
		const { rows } = await c.var.db.write((q) =>
			q.execute(sql`
				WITH target AS (SELECT r.id FROM reels r WHERE r.id = ${id} AND ${VISIBLE}),
				     ins AS (INSERT INTO reports (reel_id, reporter_id, reason) SELECT id, ${c.var.auth?.sub}, ${detail ? `${reason}: ${detail}` : reason}
				             FROM target ON CONFLICT DO NOTHING RETURNING reel_id)
				UPDATE reels SET report_count = report_count + (SELECT count(*) FROM ins),
					hidden_at = CASE WHEN report_count + (SELECT count(*) FROM ins) >= ${threshold} THEN now() ELSE hidden_at END
				WHERE id = (SELECT id FROM target) RETURNING id`),
		);
		if (!rows.length) throw new HttpProblem(404, "reel_not_found", "No reel with that id.");
		return c.json({ reported: true as const }, 202);
	})
	.openapi(reported, async (c) => {
		const { cursor, limit } = c.req.valid("query");
		const before = cursor ? decodeIdCursor(cursor) : null;
		const rows = await c.var.db.read((q) =>
			selectReels(q, {
				me: c.var.auth?.sub ?? null,
				extra: sql`r.report_count,`,
				where: sql`r.report_count > 0 ${before ? sql`AND r.id < ${before}::uuid` : sql``}`,
				orderBy: sql`r.id DESC`,
				limit: limit + 1,
			}),
		);
		const { items, nextCursor } = pageOf(rows, limit, (r) => encodeIdCursor(r.id));
		return c.json({ items: items.map((r) => ({ ...toReel(r), reportCount: Number(r.report_count) })), nextCursor }, 200);
	})
	.openapi(restore, async (c) => {
		const { id } = c.req.valid("param");
		const restored = await c.var.db.write((q) =>
			q.transaction(async (tx) => {
				const { rows } = await tx.execute(
					sql`UPDATE reels SET hidden_at = NULL, report_count = 0, updated_at = now() WHERE id = ${id} RETURNING id`,
				);
				if (rows.length) await tx.execute(sql`DELETE FROM reports WHERE reel_id = ${id}`);
				return rows.length > 0;
			}),
		);
		if (!restored) throw new HttpProblem(404, "reel_not_found", "No reel with that id.");
		return c.json(toReel(await reelFor(c, id, { primary: true })), 200);
	});
