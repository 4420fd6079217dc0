// GET /api/search, served by the read replica; the queries are in search-store.ts.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { viewerOf } from "../../lib/auth/authenticate";
import { jsonContent } from "../../lib/http/json-content";
import { limitParam } from "../../lib/pagination/cursor-codec";
import { problemResponses } from "../../lib/problems/problem-schema";
import { toReel } from "../reels/reel-cards";
import { ReelSchema } from "../reels/reel-schemas";
import { searchAll } from "./search-store";

const SearchQuerySchema = z.object({
	q: z.string().trim().min(1, "search for something").max(200, "search strings are at most 200 characters"),
	type: z.enum(["all", "reels", "users"]).default("all"),
	limit: limitParam(50),
});

const SearchResultSchema = z
	.object({
		reels: z.array(ReelSchema.extend({ rank: z.number() })),
		users: z.array(z.object({ id: z.uuid(), name: z.string(), handle: z.string(), followerCount: z.number().int(), rank: z.number() })),
	})
	.openapi("SearchResult");

const search = apiRoute({
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
	const result = await searchAll(c.var.db, { q, type, limit, me: viewerOf(c) });
	return c.json(
		{
			reels: result.reels.map((r) => ({ ...toReel(r), rank: Number(r.rank) })),
			users: result.users.map((u) => ({ id: u.id, name: u.name, handle: u.handle, followerCount: u.follower_count, rank: Number(u.rank) })),
		},
		200,
	);
});
