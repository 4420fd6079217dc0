// GET /api/feed/for-you (a personal ranking, signed in or not) and POST /api/reels/:id/not-interested
// (DELETE undoes it), and POST /api/reels/:id/share (a share, as a signal).
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { apiRoute } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { viewerOf } from "../../lib/auth/authenticate";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { cursorCodec, limitParam, pageSchema } from "../../lib/pagination/cursor-codec";
import { problemResponses } from "../../lib/problems/problem-schema";
import { canSee, type ReelRow, reelsQuery, toReel } from "../reels/reel-cards";
import { withMediaUrls } from "../reels/reel-media-access";
import { ReelIdParamSchema, ReelSchema } from "../reels/reel-schemas";
import { reelNotFound } from "../reels/reel-store";
import { deviceViewer, requireDeviceViewer } from "../reels/view-key";
import { CAP_WINDOW, type Candidate, pickPage } from "./for-you-page";
import { markNotInterested, rankForYou, recordShare, unmarkNotInterested, uuidArray } from "./for-you-store";

/** Why a reel is on the page, the most telling first. */
const SOURCES = ["following", "cowatched", "creator", "hashtag", "fresh", "trending"] as const;
const sourceOf = (c: Candidate) => SOURCES.find((s) => c.sources.includes(s)) ?? "trending";

/** What the pages before served: their reels (never served twice in a session) and the last authors (for the creator cap). */
const ForYouCursorSchema = z.strictObject({
	s: z.array(z.uuid()).max(40),
	a: z.array(z.uuid()).max(CAP_WINDOW - 1),
});
const forYouCursor = cursorCodec(ForYouCursorSchema);

const DeviceIdSchema = z
	.uuid()
	.optional()
	.openapi({ description: "An anonymous viewer's device id (the one their player reports with): whose history ranks the feed" });

const forYou = apiRoute({
	method: "get",
	path: "/api/feed/for-you",
	tags: ["feed"],
	summary: "For You: reels ranked for this viewer by what they watch",
	description:
		"Signed in, or anonymous with the `deviceId` its player reports under (without one: no history, so quality, trending and fresh reels). Ranked by the viewer's watch-through and completions (strongest), rewatches, likes, comments, follows, quick skips and 'not interested' (against), each reel's completion across viewers, and its freshness; candidates from followed creators, creators and hashtags the viewer engaged with, reels completed by viewers who completed the same ones, trending and fresh reels (two slots in ten). A reel watched to the end does not come back within a day, nor one started in the last two hours; no creator has more than 2 of any 10 consecutive slots. Personal: never shared between callers.",
	request: {
		query: z.object({
			cursor: z.string().max(4096).optional().openapi({ description: "`nextCursor` from the previous page" }),
			limit: limitParam(20, 10),
			deviceId: DeviceIdSchema,
		}),
	},
	responses: {
		200: {
			description: "A page",
			...jsonContent(pageSchema(ReelSchema.extend({ source: z.enum(SOURCES) }), "ForYouPage")),
		},
		...problemResponses(400, 429, 503),
	},
});

const notInterested = apiRoute({
	method: "post",
	path: "/api/reels/{id}/not-interested",
	tags: ["feed"],
	summary: "Not interested: the reel leaves your For You feed, and its creator and hashtags weigh less",
	description: "Signed in, or anonymous with `deviceId`. Idempotent. 404 for a reel the caller may not see.",
	middleware: [jsonBody(1024)] as const,
	request: {
		params: ReelIdParamSchema,
		body: { ...jsonContent(z.object({ deviceId: DeviceIdSchema }).openapi("NotInterestedRequest")), required: true },
	},
	responses: { 204: { description: "Noted" }, ...problemResponses(400, 404, 413, 415, 429, 503) },
});

const interestedAgain = apiRoute({
	method: "delete",
	path: "/api/reels/{id}/not-interested",
	tags: ["feed"],
	summary: "Undoes 'not interested': the reel, its creator and its hashtags count as before",
	description: "Signed in, or anonymous with `deviceId`. Idempotent: 204 whether or not there was a mark to undo.",
	request: {
		params: ReelIdParamSchema,
		query: z.object({ deviceId: DeviceIdSchema }),
	},
	responses: { 204: { description: "Undone" }, ...problemResponses(400, 429, 503) },
});

const share = apiRoute({
	method: "post",
	path: "/api/reels/{id}/share",
	tags: ["feed"],
	summary: "Tells the platform you shared a reel: more of its creator and hashtags in your For You feed",
	description:
		"Sent by the web app when its Share sheet copies the link or the embed code, or the system's share sheet is used. Signed in, or anonymous with `deviceId`. Idempotent (one share a viewer and reel). 404 for a reel the caller may not see.",
	middleware: [jsonBody(1024)] as const,
	request: {
		params: ReelIdParamSchema,
		body: {
			...jsonContent(
				z
					.object({
						deviceId: DeviceIdSchema,
						channel: z.enum(["link", "embed", "system"]).openapi({ description: "How it was shared" }),
					})
					.openapi("ShareRequest"),
			),
			required: true,
		},
	},
	responses: { 204: { description: "Noted" }, ...problemResponses(400, 404, 413, 415, 429, 503) },
});

async function cards(c: { var: AppEnv["Variables"] }, me: string | null, ids: string[]): Promise<Map<string, ReelRow>> {
	if (!ids.length) return new Map();
	// canSee again, whatever the ranking function decided: the page shows nothing its viewer may not
	// open, even should the function's copy of the visibility rules (migration 0021) fall behind reel-cards.ts.
	const where = sql`r.id = ANY(${uuidArray(ids)}::uuid[]) AND ${canSee({ id: me, admin: false })}`;
	const query = reelsQuery({ me, where, orderBy: sql`r.id`, limit: ids.length });
	const { rows } = await c.var.db.read((q) => q.execute<ReelRow>(query));
	return new Map(rows.map((r) => [r.id, r]));
}

export const forYouRoutes = new OpenAPIHono<AppEnv>()
	.openapi(forYou, async (c) => {
		const { cursor, limit, deviceId } = c.req.valid("query");
		const me = viewerOf(c);
		const at = cursor ? forYouCursor.decode(cursor) : { s: [], a: [] };
		const ranked = await rankForYou(c.var.db, deviceViewer(c, deviceId), at.s);
		const page = pickPage(ranked, limit, at.a);
		const rows = await cards(
			c,
			me,
			page.map((p) => p.id),
		);
		// A reel that left between the two reads (deleted, hidden) is left out of the page.
		const served = page.flatMap((p) => {
			const row = rows.get(p.id);
			return row ? [{ row, source: sourceOf(p) }] : [];
		});
		const next = page.length
			? forYouCursor.encode({
					s: [...at.s, ...page.map((p) => p.id)].slice(-40),
					a: [...at.a, ...page.map((p) => p.authorId)].slice(-(CAP_WINDOW - 1)),
				})
			: null;
		return c.json(
			{
				items: await Promise.all(served.map(async ({ row, source }) => ({ ...(await withMediaUrls(c.env, toReel(row))), source }))),
				nextCursor: next,
			},
			200,
		);
	})
	.openapi(notInterested, async (c) => {
		const { id } = c.req.valid("param");
		const viewer = requireDeviceViewer(c, c.req.valid("json").deviceId);
		if (!(await markNotInterested(c.var.db, viewer, id))) throw reelNotFound();
		return c.body(null, 204);
	})
	.openapi(share, async (c) => {
		const { id } = c.req.valid("param");
		const { deviceId, channel } = c.req.valid("json");
		if (!(await recordShare(c.var.db, requireDeviceViewer(c, deviceId), id, channel))) throw reelNotFound();
		return c.body(null, 204);
	})
	.openapi(interestedAgain, async (c) => {
		const { id } = c.req.valid("param");
		// Only the caller's own mark: nothing to learn about a reel from this answer, so no visibility check.
		await unmarkNotInterested(c.var.db, requireDeviceViewer(c, c.req.valid("query").deviceId), id);
		return c.body(null, 204);
	});
