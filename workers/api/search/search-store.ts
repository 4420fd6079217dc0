// Search queries: Postgres full-text search over captions and hashtags
// (reels.search, GIN) and creator names (users, GIN on the same expression),
// ranked with ts_rank. The query string goes to websearch_to_tsquery as a
// bound parameter: quotes, OR, -, & and any SQL are just text to it.
import { sql } from "drizzle-orm";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { notBlockedBy, type ReelRow, selectReels, VISIBLE } from "../reels/reel-cards";

export interface CreatorMatch extends Record<string, unknown> {
	id: string;
	name: string;
	follower_count: number;
	rank: number;
}

/** Reels and creators matching `q`, best first; either list is skipped when `type` leaves it out. */
export function searchAll(
	db: RoutedDatabase,
	{ q, type, limit, me }: { q: string; type: "all" | "reels" | "users"; limit: number; me: string | null },
): Promise<{ reels: (ReelRow & { rank: number })[]; users: CreatorMatch[] }> {
	// Stemmed (caption) or exact (hashtags, names): a reel matches either form of the query.
	const query = sql`(websearch_to_tsquery('english', ${q}) || websearch_to_tsquery('simple', ${q}))`;
	return db.read(async (tx) => ({
		reels:
			type === "users"
				? []
				: ((await selectReels(tx, {
						me,
						extra: sql`ts_rank(r.search, ${query}) AS rank,`,
						where: sql`${VISIBLE} AND ${notBlockedBy(me)} AND r.search @@ ${query}`,
						orderBy: sql`rank DESC, r.id DESC`,
						outerOrderBy: sql`r.rank DESC, r.id DESC`,
						limit,
					})) as (ReelRow & { rank: number })[]),
		users:
			type === "reels"
				? []
				: (
						await tx.execute<CreatorMatch>(sql`
							SELECT u.id, u.name, u.follower_count, ts_rank(to_tsvector('simple', u.name), websearch_to_tsquery('simple', ${q})) AS rank
							FROM users u WHERE to_tsvector('simple', u.name) @@ websearch_to_tsquery('simple', ${q})
							ORDER BY rank DESC, u.follower_count DESC, u.id LIMIT ${limit}`)
					).rows,
	}));
}
