import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { eq, type SQL, sql } from "drizzle-orm";
import type { Context } from "hono";
import type { AppEnv } from "../../lib/app/app-env";
import { requireAuth } from "../../lib/auth/authenticate";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { uuidv7 } from "../../lib/ids/uuidv7";
import { decodeIdCursor, encodeIdCursor } from "../../lib/pagination/id-cursor";
import { PageQuerySchema } from "../../lib/pagination/keyset-cursor";
import { pageOf } from "../../lib/pagination/page";
import type { Db } from "../../lib/postgres/routed-database";
import { reelSearchVector, reels } from "../../lib/postgres/schema";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { drainOutbox, enqueueEvent } from "../../realtime/outbox";
import { selectReels, toReel, VISIBLE } from "./reel-cards";
import { linkVideo, newReelEvent, playbackJson, syncReelMedia } from "./reel-media";
import { CreateReelSchema, hashtagsOf, ReelIdParamSchema, ReelPageSchema, ReelSchema, UpdateReelSchema } from "./reel-schemas";

const me = (c: Context<AppEnv>) => c.var.auth?.sub ?? null;
const isAdmin = (c: Context<AppEnv>) => c.var.auth?.role === "admin";

/** Visible to anyone, or to its author and admins whatever its state. */
export function canSee(c: Context<AppEnv>): SQL {
	const viewer = me(c);
	if (isAdmin(c)) return sql`true`;
	return viewer ? sql`(${VISIBLE} OR r.author_id = ${viewer}::uuid)` : VISIBLE;
}

/** A caption and what derives from it, written together so they never disagree: its hashtags and the search vector. */
function captionColumns(caption: string) {
	const hashtags = hashtagsOf(caption);
	return { caption, hashtags, search: reelSearchVector(caption, hashtags) };
}

/** One reel as the caller may see it, or 404. */
export async function reelFor(c: Context<AppEnv>, id: string, { primary = false } = {}) {
	const one = async (q: Db) =>
		(await selectReels(q, { me: me(c), where: sql`r.id = ${id} AND ${canSee(c)}`, orderBy: sql`r.id`, limit: 1 }))[0];
	const row = primary ? await c.var.db.readFromPrimary(one) : await c.var.db.readById(id, one);
	if (!row) throw new HttpProblem(404, "reel_not_found", "No reel with that id.");
	return row;
}

/** The reel if the caller is its author or an admin: 404 if unseen, 403 if seen but not theirs. */
async function ownReel(c: Context<AppEnv>, id: string) {
	const row = await reelFor(c, id, { primary: true });
	if (row.author_id !== me(c) && !isAdmin(c))
		throw new HttpProblem(403, "not_your_reel", "Only the reel's author or an admin may change it.");
	return row;
}

const create = createRoute({
	method: "post",
	path: "/api/reels",
	tags: ["reels"],
	summary: "Post a reel from one of your videos",
	description:
		"`{video_id}` (an uploaded video of yours) or the seed-compatible `{video_url, caption}`. Idempotent per video: posting the same video again returns the existing reel (200). The reel is listed publicly once its video is `ready`; followers hear of it then (NEW_REEL).",
	security: [{ bearer: [] }],
	middleware: [requireAuth(), jsonBody()] as const,
	request: { body: { ...jsonContent(CreateReelSchema), required: true } },
	responses: {
		201: { description: "Created", ...jsonContent(ReelSchema) },
		200: { description: "This video already is a reel of yours", ...jsonContent(ReelSchema) },
		...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
	},
});

const list = createRoute({
	method: "get",
	path: "/api/reels",
	tags: ["reels"],
	summary: "Every public reel, newest first",
	request: { query: PageQuerySchema },
	responses: { 200: { description: "A page", ...jsonContent(ReelPageSchema) }, ...problemResponses(400, 429) },
});

const getOne = createRoute({
	method: "get",
	path: "/api/reels/{id}",
	tags: ["reels"],
	summary: "One reel",
	description: "Public once ready and not hidden; its author and admins see it in any state.",
	request: { params: ReelIdParamSchema },
	responses: { 200: { description: "The reel", ...jsonContent(ReelSchema) }, ...problemResponses(400, 404, 429) },
});

const update = createRoute({
	method: "patch",
	path: "/api/reels/{id}",
	tags: ["reels"],
	summary: "Edit a reel's caption (author or admin)",
	security: [{ bearer: [] }],
	middleware: [requireAuth(), jsonBody()] as const,
	request: { params: ReelIdParamSchema, body: { ...jsonContent(UpdateReelSchema), required: true } },
	responses: { 200: { description: "Updated", ...jsonContent(ReelSchema) }, ...problemResponses(400, 401, 403, 404, 413, 415, 429) },
});

const remove = createRoute({
	method: "delete",
	path: "/api/reels/{id}",
	tags: ["reels"],
	summary: "Delete a reel (author or admin)",
	description: "Removes the reel, its likes, comments and reports. The video stays in your uploads (`DELETE /cdn/<key>` removes it).",
	security: [{ bearer: [] }],
	middleware: [requireAuth()] as const,
	request: { params: ReelIdParamSchema },
	responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404, 429) },
});

export const reelRoutes = new OpenAPIHono<AppEnv>()
	.openapi(create, async (c) => {
		const body = c.req.valid("json");
		const author = me(c) as string;
		if ("user_id" in body && body.user_id && body.user_id !== author) {
			throw new HttpProblem(403, "user_mismatch", "user_id must be you (or left out): reels are posted as the signed-in user.");
		}
		const video = await linkVideo(c.env, author, "video_id" in body ? { id: body.video_id } : { url: body.video_url });
		const { id, created, outboxIds } = await c.var.db.write((q) =>
			q.transaction(async (tx) => {
				const inserted = await tx
					.insert(reels)
					.values({
						id: uuidv7(),
						authorId: author,
						videoAssetId: video.assetId,
						videoKey: video.key,
						...captionColumns(body.caption ?? ""),
						mediaStatus: video.status,
						playback: video.playback ? playbackJson(video.playback) : null,
						durationMs: video.durationMs,
					})
					.onConflictDoNothing({ target: reels.videoAssetId })
					.returning({ id: reels.id });
				const row = inserted[0];
				if (!row) {
					const [existing] = await tx.select({ id: reels.id }).from(reels).where(eq(reels.videoAssetId, video.assetId));
					return { id: existing?.id as string, created: false, outboxIds: [] };
				}
				const ids = video.status === "ready" ? [await enqueueEvent(tx, newReelEvent(row.id, author))] : [];
				return { id: row.id, created: true, outboxIds: ids };
			}),
		);
		c.executionCtx.waitUntil(drainOutbox(c.env, outboxIds));
		// The video may have become ready between reading it and inserting the reel; catch that up now.
		if (video.status !== "ready") await syncReelMedia(c.env, video.assetId);
		return c.json(toReel(await reelFor(c, id, { primary: true })), created ? 201 : 200);
	})
	.openapi(list, async (c) => {
		const { cursor, limit } = c.req.valid("query");
		const before = cursor ? decodeIdCursor(cursor) : null;
		const rows = await c.var.db.read((q) =>
			selectReels(q, {
				me: me(c),
				where: before ? sql`${VISIBLE} AND r.id < ${before}::uuid` : VISIBLE,
				orderBy: sql`r.id DESC`,
				limit: limit + 1,
			}),
		);
		const { items, nextCursor } = pageOf(rows, limit, (r) => encodeIdCursor(r.id));
		return c.json({ items: items.map(toReel), nextCursor }, 200);
	})
	.openapi(getOne, async (c) => c.json(toReel(await reelFor(c, c.req.valid("param").id)), 200))
	.openapi(update, async (c) => {
		const { id } = c.req.valid("param");
		await ownReel(c, id);
		const { caption } = c.req.valid("json");
		await c.var.db.write((q) =>
			q
				.update(reels)
				.set({ ...captionColumns(caption), updatedAt: new Date() })
				.where(eq(reels.id, id)),
		);
		return c.json(toReel(await reelFor(c, id, { primary: true })), 200);
	})
	.openapi(remove, async (c) => {
		const { id } = c.req.valid("param");
		await ownReel(c, id);
		await c.var.db.write((q) => q.delete(reels).where(eq(reels.id, id)));
		return c.body(null, 204);
	});
