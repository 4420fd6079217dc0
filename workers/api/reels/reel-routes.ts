import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { insufficientScope } from "../../lib/auth/api-key-admission";
import { isAdmin, type SignedInEnv, viewerOf } from "../../lib/auth/authenticate";
import { configOf } from "../../lib/config/config";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { forgetSharedReads, shareWithAnonymous } from "../../lib/http/shared-reads";
import { uuidv7 } from "../../lib/ids/uuidv7";
import { idCursor, PageQuerySchema } from "../../lib/pagination/cursor-codec";
import { pageOf } from "../../lib/pagination/page";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { writeWithEvents } from "../../realtime/outbox";
import { requestEvents } from "../request-events";
import { UserIdParamSchema } from "../users/user-schemas";
import { makeClip } from "../videos/clip-route";
import { toReel } from "./reel-cards";
import { linkVideo, syncReelMedia } from "./reel-media";
import { syncVideoAccess, withMediaUrls } from "./reel-media-access";
import { CreateReelSchema, ReelIdParamSchema, ReelPageSchema, ReelSchema, UpdateReelSchema } from "./reel-schemas";
import { assertMayPost, deleteReel, insertReel, publicReels, reelById, reelsByAuthor, updateReel, type Viewer } from "./reel-store";
import { reelWebhook } from "./reel-webhooks";

/** Who is asking, for the visibility rules in reel-store. */
export const viewer = (c: Parameters<typeof viewerOf>[0]): Viewer => ({ id: viewerOf(c), admin: isAdmin(c) });

/** The reel if the caller is its author or an admin: 404 if unseen, 403 if seen but not theirs. */
async function ownReel(c: Context<SignedInEnv>, id: string) {
	const row = await reelById(c.var.db, viewer(c), id, { primary: true });
	if (row.author_id !== c.var.auth.sub && c.var.auth.role !== "admin")
		throw new HttpProblem(403, "not_your_reel", "Only the reel's author or an admin may change it.");
	return row;
}

const create = apiRoute({
	method: "post",
	path: "/api/reels",
	tags: ["reels"],
	summary: "Post a reel from one of your videos",
	description:
		"`{video_id}` (an uploaded video of yours) or the seed-compatible `{video_url, caption}`. Idempotent per video: posting the same video again returns the existing reel (200). The reel is listed publicly once its video is `ready`; followers hear of it then (NEW_REEL).",
	...signedIn(jsonBody()),
	request: { body: { ...jsonContent(CreateReelSchema), required: true } },
	responses: {
		201: { description: "Created", ...jsonContent(ReelSchema) },
		200: { description: "This video already is a reel of yours", ...jsonContent(ReelSchema) },
		...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
	},
});

const list = apiRoute({
	method: "get",
	path: "/api/reels",
	tags: ["reels"],
	summary: "Every public reel, newest first",
	request: { query: PageQuerySchema },
	responses: { 200: { description: "A page", ...jsonContent(ReelPageSchema) }, ...problemResponses(400, 429) },
});

const byAuthor = apiRoute({
	method: "get",
	path: "/api/users/{id}/reels",
	tags: ["reels"],
	summary: "A creator's reels, newest first (a profile's grid)",
	description:
		"The ones the caller may open: public and unlisted ones for anyone, followers-only ones for followers, every one of them for the creator.",
	request: { params: UserIdParamSchema, query: PageQuerySchema },
	responses: { 200: { description: "A page", ...jsonContent(ReelPageSchema) }, ...problemResponses(400, 429) },
});

const getOne = apiRoute({
	method: "get",
	path: "/api/reels/{id}",
	tags: ["reels"],
	summary: "One reel",
	description:
		"Public and unlisted reels once playable (or ready) and not hidden; followers-only ones to followers; its author and admins see it in any state. Media URLs of any but public reels are signed and expire.",
	request: { params: ReelIdParamSchema },
	responses: { 200: { description: "The reel", ...jsonContent(ReelSchema) }, ...problemResponses(400, 404, 429) },
});

const update = apiRoute({
	method: "patch",
	path: "/api/reels/{id}",
	tags: ["reels"],
	summary: "Edit a reel's caption or visibility (author or admin)",
	...signedIn(jsonBody()),
	request: { params: ReelIdParamSchema, body: { ...jsonContent(UpdateReelSchema), required: true } },
	responses: { 200: { description: "Updated", ...jsonContent(ReelSchema) }, ...problemResponses(400, 401, 403, 404, 413, 415, 429) },
});

const remove = apiRoute({
	method: "delete",
	path: "/api/reels/{id}",
	tags: ["reels"],
	summary: "Delete a reel (author or admin)",
	description: "Removes the reel, its likes, comments and reports. The video stays in your uploads (`DELETE /api/assets/{id}` removes it).",
	...signedIn(),
	request: { params: ReelIdParamSchema },
	responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404, 429) },
});

export const reelRoutes = new OpenAPIHono<AppEnv>()
	.openapi(create, async (c) => {
		const body = c.req.valid("json");
		const author = c.var.auth.sub;
		if ("user_id" in body && body.user_id && body.user_id !== author) {
			throw new HttpProblem(403, "user_mismatch", "user_id must be you (or left out): reels are posted as the signed-in user.");
		}
		// A range of the video: its clip (made once per range) is the reel's video. Making one is a video
		// write: a key that may post reels but not make videos may not make it this way either.
		const apiKey = c.var.auth.apiKey;
		if ("clip" in body && body.clip && apiKey && !apiKey.scopes.includes("videos:write")) throw insufficientScope("videos:write");
		const clipped = "clip" in body && body.clip ? await makeClip(c.env, c.var.db, author, body.video_id, body.clip) : null;
		const video = await linkVideo(
			c.env,
			author,
			clipped ? { id: clipped.id } : "video_id" in body ? { id: body.video_id } : { url: body.video_url },
		);
		const { id, created } = await writeWithEvents(requestEvents(c), async (tx, emit) => {
			await assertMayPost(tx, author, video.assetId, configOf(c.env).UNVERIFIED_MAX_REELS);
			const inserted = await insertReel(tx, emit, {
				id: uuidv7(),
				authorId: author,
				video,
				caption: body.caption ?? "",
				visibility: body.visibility ?? "public",
			});
			// In the same transaction: a reel that exists has told its owner's webhooks, and only such a reel has.
			if (inserted.created) await emit(await reelWebhook(c.env, tx, "reel.created", author, inserted.id));
			return inserted;
		});
		// The video may have moved on (playable, ready) between reading it and inserting the reel; catch that up now.
		if (video.status !== "ready") await syncReelMedia(c.env, video.assetId);
		await syncVideoAccess(c.env, c.var.db, video.assetId, c.req.url);
		const reel = toReel(await reelById(c.var.db, viewer(c), id, { primary: true }));
		return c.json(await withMediaUrls(c.env, reel), created ? 201 : 200);
	})
	.openapi(list, async (c) => {
		const { cursor, limit } = c.req.valid("query");
		const rows = await publicReels(c.var.db, viewer(c), cursor ? idCursor.decode(cursor) : null, limit);
		const { items, nextCursor } = pageOf(rows, limit, (r) => idCursor.encode(r.id));
		shareWithAnonymous(c);
		return c.json({ items: items.map(toReel), nextCursor }, 200);
	})
	.openapi(byAuthor, async (c) => {
		const { cursor, limit } = c.req.valid("query");
		const rows = await reelsByAuthor(c.var.db, viewer(c), c.req.valid("param").id, cursor ? idCursor.decode(cursor) : null, limit);
		const { items, nextCursor } = pageOf(rows, limit, (r) => idCursor.encode(r.id));
		shareWithAnonymous(c);
		return c.json({ items: await Promise.all(items.map((r) => withMediaUrls(c.env, toReel(r)))), nextCursor }, 200);
	})
	.openapi(getOne, async (c) => {
		const reel = await withMediaUrls(c.env, toReel(await reelById(c.var.db, viewer(c), c.req.valid("param").id)));
		shareWithAnonymous(c);
		return c.json(reel, 200);
	})
	.openapi(update, async (c) => {
		const { id } = c.req.valid("param");
		const row = await ownReel(c, id);
		const change = c.req.valid("json");
		await writeWithEvents(requestEvents(c), (tx, emit) => updateReel(tx, emit, id, row.author_id, change));
		forgetSharedReads(c);
		if (change.visibility !== undefined) await syncVideoAccess(c.env, c.var.db, row.video_asset_id, c.req.url);
		return c.json(await withMediaUrls(c.env, toReel(await reelById(c.var.db, viewer(c), id, { primary: true }))), 200);
	})
	.openapi(remove, async (c) => {
		const { id } = c.req.valid("param");
		const row = await ownReel(c, id);
		await writeWithEvents(requestEvents(c), async (tx, emit) => {
			const last = await reelWebhook(c.env, tx, "reel.deleted", row.author_id, id);
			await deleteReel(tx, id, { byModerator: row.author_id !== c.var.auth.sub });
			await emit(last);
		});
		forgetSharedReads(c);
		await syncVideoAccess(c.env, c.var.db, row.video_asset_id, c.req.url);
		return c.body(null, 204);
	});
