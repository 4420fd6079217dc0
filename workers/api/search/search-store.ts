// Search queries: Postgres full-text search over captions and hashtags
// (reels.search, GIN), creator names (users, GIN on the same expression) and handles (by prefix),
// ranked with ts_rank. The query string goes to websearch_to_tsquery as a
// bound parameter: quotes, OR, -, & and any SQL are just text to it.
import { sql } from "drizzle-orm";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { notBlockedBy, type ReelRow, selectReels, VISIBLE } from "../reels/reel-cards";

export interface CreatorMatch extends Record<string, unknown> {
	id: string;
	name: string;
	handle: string;
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
	// "@ada", "ada" or "ada_l" also finds handles starting so (users_handle_prefix_idx); `_` is literal, not LIKE's wildcard.
	const handle = /^@?[a-z0-9_.]{1,24}$/i.test(q.trim()) ? q.trim().replace(/^@/, "").toLowerCase() : null;
	// A prefix of 1–2 characters would match (and rank) a large share of all accounts: those match exactly.
	const handlePrefix = !handle
		? sql`false`
		: handle.length < 3
			? sql`u.handle = ${handle}`
			: sql`u.handle LIKE ${`${handle.replaceAll("_", "\\_")}%`}`;
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
							SELECT u.id, u.name, u.handle, u.follower_count,
							       ts_rank(to_tsvector('simple', u.name), websearch_to_tsquery('simple', ${q}))
							       + CASE WHEN u.handle = ${handle ?? ""} THEN 2 WHEN ${handlePrefix} THEN 1 ELSE 0 END AS rank
							FROM users u WHERE to_tsvector('simple', u.name) @@ websearch_to_tsquery('simple', ${q}) OR ${handlePrefix}
							ORDER BY rank DESC, u.follower_count DESC, u.id LIMIT ${limit}`)
					).rows,
	}));
}
