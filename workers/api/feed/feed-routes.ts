// GET /api/feed and GET /api/hashtags/:tag/reels.
//
// The feed interleaves two streams, two followed reels then one trending,
// each paged by its own keyset: followed creators' reels newest first (by
// id), and the trending epoch by rank (see trending.ts). Trending leaves out
// reels of creators you follow, so no reel can come from both streams, and
// each stream's keyset only moves forward, so pages never repeat a reel.
// When one stream runs out the other fills the page. Anonymous: trending only.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../../lib/app/app-env";
import { jsonContent } from "../../lib/http/json-content";
import { decodeIdCursor, encodeIdCursor } from "../../lib/pagination/id-cursor";
import { PageQuerySchema } from "../../lib/pagination/keyset-cursor";
import { pageOf } from "../../lib/pagination/page";
import { problemResponses } from "../../lib/problems/problem-schema";
import { type ReelRow, selectReels, toReel, VISIBLE } from "../reels/reel-cards";
import { ReelPageSchema, ReelSchema } from "../reels/reel-schemas";
import { decodeFeedCursor, encodeFeedCursor, type FeedCursor } from "./feed-cursor";
import { computeTrending } from "./trending";

const FeedPageSchema = z
	.object({
		items: z.array(ReelSchema.extend({ source: z.enum(["following", "trending"]) })),
		nextCursor: z.string().nullable(),
	})
	.openapi("FeedPage");

const feed = createRoute({
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

const byTag = createRoute({
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
		const me = c.var.auth?.sub ?? null;
		let at: FeedCursor = cursor ? decodeFeedCursor(cursor) : { e: 0, t: 0, f: me ? undefined : null };
		if (!me) at = { ...at, f: null };
		if (at.e === 0) {
			const latest = await c.var.db.read((q) => q.execute<{ id: number | null }>(sql`SELECT max(id)::int AS id FROM trending_epochs`));
			// A fresh deployment has no ranking before the first cron run: make one now.
			at.e = latest.rows[0]?.id ?? (await c.var.db.write((q) => computeTrending(q)));
		}
		const followedOnly = me ? sql`r.author_id IN (SELECT followee_id FROM follows WHERE follower_id = ${me}::uuid)` : sql`false`;
		const [followed, trending] = await c.var.db.read(async (q) => [
			at.f === null || !me
				? []
				: // Per followed creator, its newest reels from reels_author_idx, then merged: cheap however many reels exist.
					await selectReels(q, {
						me,
						from: sql`follows f CROSS JOIN LATERAL (
							SELECT * FROM reels r WHERE r.author_id = f.followee_id AND ${VISIBLE} ${at.f ? sql`AND r.id < ${at.f}::uuid` : sql``}
							ORDER BY r.id DESC LIMIT ${limit + 1}) r`,
						where: sql`f.follower_id = ${me}::uuid`,
						orderBy: sql`r.id DESC`,
						limit: limit + 1,
					}),
			at.t === null
				? []
				: await selectReels(q, {
						me,
						from: sql`trending_reels t JOIN reels r ON r.id = t.reel_id`,
						extra: sql`t.rank,`,
						where: sql`t.epoch_id = ${at.e} AND t.rank > ${at.t} AND ${VISIBLE} AND NOT (${followedOnly})`,
						orderBy: sql`t.rank`,
						outerOrderBy: sql`r.rank`,
						limit: limit + 1,
					}),
		]);
		const { out, usedFollowed, usedTrending } = interleave(followed, trending, limit);
		const lastFollowed = followed[usedFollowed - 1];
		const lastTrending = trending[usedTrending - 1] as (ReelRow & { rank: number }) | undefined;
		const next: FeedCursor = {
			e: at.e,
			f: at.f === null || (usedFollowed === followed.length && followed.length <= limit) ? null : (lastFollowed?.id ?? at.f),
			t: at.t === null || (usedTrending === trending.length && trending.length <= limit) ? null : (lastTrending?.rank ?? at.t),
		};
		return c.json(
			{
				items: out.map(({ row, source }) => ({ ...toReel(row), source })),
				nextCursor: next.f === null && next.t === null ? null : encodeFeedCursor(next),
			},
			200,
		);
	})
	.openapi(byTag, async (c) => {
		const { tag } = c.req.valid("param");
		const { cursor, limit } = c.req.valid("query");
		const before = cursor ? decodeIdCursor(cursor) : null;
		const rows = await c.var.db.read((q) =>
			selectReels(q, {
				me: c.var.auth?.sub ?? null,
				where: sql`${VISIBLE} AND r.hashtags @> ARRAY[${tag}]::text[] ${before ? sql`AND r.id < ${before}::uuid` : sql``}`,
				orderBy: sql`r.id DESC`,
				limit: limit + 1,
			}),
		);
		const { items, nextCursor } = pageOf(rows, limit, (r) => encodeIdCursor(r.id));
		return c.json({ items: items.map(toReel), nextCursor }, 200);
	});
