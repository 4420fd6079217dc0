// GET /api/feed and GET /api/hashtags/:tag/reels.
//
// The feed interleaves two streams, two followed reels then one trending,
// each paged by its own keyset: followed creators' reels newest first (by
// id), and the trending epoch by rank (see trending.ts). Trending leaves out
// reels of creators you follow, so no reel can come from both streams, and
// each stream's keyset only moves forward, so pages never repeat a reel.
// When one stream runs out the other fills the page. Anonymous: trending only.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { viewerOf } from "../../lib/auth/authenticate";
import { jsonContent } from "../../lib/http/json-content";
import { shareWithAnonymous } from "../../lib/http/shared-reads";
import { idCursor, PageQuerySchema, pageSchema } from "../../lib/pagination/cursor-codec";
import { pageOf } from "../../lib/pagination/page";
import { problemResponses } from "../../lib/problems/problem-schema";
import { type ReelRow, toReel } from "../reels/reel-cards";
import { withMediaUrls } from "../reels/reel-media-access";
import { ReelPageSchema, ReelSchema } from "../reels/reel-schemas";
import { type FeedCursor, feedCursor } from "./feed-cursor";
import { feedStreams, latestEpoch, reelsTagged, type TrendingRow } from "./feed-store";

const FeedPageSchema = pageSchema(ReelSchema.extend({ source: z.enum(["following", "trending"]) }), "FeedPage");

const feed = apiRoute({
	method: "get",
	path: "/api/feed",
	tags: ["feed"],
	summary: "Your feed: followed creators' reels mixed with trending ones",
	description:
		"Signed in: two reels from creators you follow (newest first) for every trending one; anonymous: trending only. Trending score = (3·likes + 5·comments + 0.5·views + 1) / (age in hours + 2)^1.5, recomputed every 5 minutes; a cursor keeps paging the ranking it started with, so pages never repeat a reel.",
	request: { query: PageQuerySchema },
	responses: { 200: { description: "A page", ...jsonContent(FeedPageSchema) }, ...problemResponses(400, 429) },
});

const TagSchema = z
	.string()
	.transform((s) => s.replace(/^#/, "").toLowerCase())
	.pipe(z.string().regex(/^\p{L}[\p{L}\p{N}_]{0,49}$/u, "a hashtag is a letter then up to 49 letters, digits or underscores"));

const byTag = apiRoute({
	method: "get",
	path: "/api/hashtags/{tag}/reels",
	tags: ["feed"],
	summary: "Public reels with a hashtag, newest first",
	request: {
		params: z.object({ tag: TagSchema.openapi({ param: { name: "tag", in: "path" }, example: "dance" }) }),
		query: PageQuerySchema,
	},
	responses: { 200: { description: "A page", ...jsonContent(ReelPageSchema) }, ...problemResponses(400, 429) },
});

/** Two followed, one trending, repeated; either stream fills in when the other has run out. */
function interleave(followed: ReelRow[], trending: ReelRow[], limit: number) {
	const out: { row: ReelRow; source: "following" | "trending" }[] = [];
	let f = 0;
	let t = 0;
	while (out.length < limit && (f < followed.length || t < trending.length)) {
		const wantTrending = out.length % 3 === 2;
		if ((wantTrending && t < trending.length) || f >= followed.length) out.push({ row: trending[t++] as ReelRow, source: "trending" });
		else out.push({ row: followed[f++] as ReelRow, source: "following" });
	}
	return { out, usedFollowed: f, usedTrending: t };
}

export const feedRoutes = new OpenAPIHono<AppEnv>()
	.openapi(feed, async (c) => {
		const { cursor, limit } = c.req.valid("query");
		const me = viewerOf(c);
		let at: FeedCursor = cursor ? feedCursor.decode(cursor) : { e: 0, t: 0, f: me ? undefined : null };
		if (!me) at = { ...at, f: null };
		// One statement gives both streams and, on a first page, the newest trending epoch.
		let streams = await feedStreams(c.var.db, { me, epoch: at.e, followedBefore: at.f, rankAfter: at.t, limit });
		if (streams.epoch === null) {
			// A first page that learned no epoch (none exists yet, or nothing came back): settle one, then read with it.
			at.e = await latestEpoch(c.var.db);
			streams = await feedStreams(c.var.db, { me, epoch: at.e, followedBefore: at.f, rankAfter: at.t, limit });
		}
		at.e = streams.epoch ?? at.e;
		const { followed, trending } = streams;
		const { out, usedFollowed, usedTrending } = interleave(followed, trending, limit);
		shareWithAnonymous(c);
		const lastFollowed = followed[usedFollowed - 1];
		const lastTrending = trending[usedTrending - 1] as TrendingRow | undefined;
		const next: FeedCursor = {
			e: at.e,
			f: at.f === null || (usedFollowed === followed.length && followed.length <= limit) ? null : (lastFollowed?.id ?? at.f),
			t: at.t === null || (usedTrending === trending.length && trending.length <= limit) ? null : (lastTrending?.rank ?? at.t),
		};
		return c.json(
			{
				items: await Promise.all(out.map(async ({ row, source }) => ({ ...(await withMediaUrls(c.env, toReel(row))), source }))),
				nextCursor: next.f === null && next.t === null ? null : feedCursor.encode(next),
			},
			200,
		);
	})
	.openapi(byTag, async (c) => {
		const { tag } = c.req.valid("param");
		const { cursor, limit } = c.req.valid("query");
		const rows = await reelsTagged(c.var.db, viewerOf(c), tag, cursor ? idCursor.decode(cursor) : null, limit);
		const { items, nextCursor } = pageOf(rows, limit, (r) => idCursor.encode(r.id));
		shareWithAnonymous(c);
		return c.json({ items: items.map(toReel), nextCursor }, 200);
	});
