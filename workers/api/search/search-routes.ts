// GET /api/search: Postgres full-text search over captions and hashtags
// (reels.search, GIN) and creator names (users, GIN on the same expression),
// ranked with ts_rank, served by the read replica. The query string goes to
// websearch_to_tsquery as a bound parameter: quotes, OR, -, & and any SQL are
// just text to it, never syntax of ours.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../../lib/app/app-env";
import { jsonContent } from "../../lib/http/json-content";
import { problemResponses } from "../../lib/problems/problem-schema";
import { selectReels, toReel, VISIBLE } from "../reels/reel-cards";
import { ReelSchema } from "../reels/reel-schemas";

const SearchQuerySchema = z.object({
	q: z.string().trim().min(1, "search for something").max(200, "search strings are at most 200 characters"),
	type: z.enum(["all", "reels", "users"]).default("all"),
	limit: z.coerce.number().int().min(1).max(50).default(20),
});

const SearchResultSchema = z
	.object({
		reels: z.array(ReelSchema.extend({ rank: z.number() })),
		users: z.array(z.object({ id: z.uuid(), name: z.string(), followerCount: z.number().int(), rank: z.number() })),
	})
	.openapi("SearchResult");

const search = createRoute({
	method: "get",
	path: "/api/search",
	tags: ["search"],
	summary: "Search reels (captions, hashtags) and creators (names)",
	description:
		'Web-search syntax: words, "quoted phrases", `or`, `-excluded`. Reels match on hashtags (weighted higher) and caption words (English stemming); creators on their names. Best matches first.',
	request: { query: SearchQuerySchema },
	responses: { 200: { description: "Matches", ...jsonContent(SearchResultSchema) }, ...problemResponses(400, 429) },
});

export const searchRoutes = new OpenAPIHono<AppEnv>().openapi(search, async (c) => {
	const { q, type, limit } = c.req.valid("query");
	// Stemmed (caption) or exact (hashtags, names): a reel matches either form of the query.
	const query = sql`(websearch_to_tsquery('english', ${q}) || websearch_to_tsquery('simple', ${q}))`;
	const result = await c.var.db.read(async (db) => ({
		reels:
			type === "users"
				? []
				: await selectReels(db, {
						me: c.var.auth?.sub ?? null,
						extra: sql`ts_rank(r.search, ${query}) AS rank,`,
						where: sql`${VISIBLE} AND r.search @@ ${query}`,
						orderBy: sql`rank DESC, r.id DESC`,
						outerOrderBy: sql`r.rank DESC, r.id DESC`,
						limit,
					}),
		users:
			type === "reels"
				? []
				: (
						await db.execute<{ id: string; name: string; follower_count: number; rank: number }>(sql`
							SELECT u.id, u.name, u.follower_count, ts_rank(to_tsvector('simple', u.name), websearch_to_tsquery('simple', ${q})) AS rank
							FROM users u WHERE to_tsvector('simple', u.name) @@ websearch_to_tsquery('simple', ${q})
							ORDER BY rank DESC, u.follower_count DESC, u.id LIMIT ${limit}`)
					).rows,
	}));
	return c.json(
		{
			reels: result.reels.map((r) => ({ ...toReel(r), rank: Number(r.rank) })),
			users: result.users.map((u) => ({ id: u.id, name: u.name, followerCount: u.follower_count, rank: Number(u.rank) })),
		},
		200,
	);
});
