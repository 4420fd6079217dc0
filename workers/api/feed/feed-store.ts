// The feed's and the hashtag list's queries. Followed creators' reels come
// from a LATERAL scan per followed creator on reels_author_idx (cheap however
// many reels exist); trending from one ranked epoch (trending.ts).
import { type SQL, sql } from "drizzle-orm";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { LISTED_TO_FOLLOWER, notBlockedBy, type ReelRow, reelsQuery, selectReels, VISIBLE } from "../reels/reel-cards";
import { computeTrending } from "./trending";

export type TrendingRow = ReelRow & { rank: number };

/** The newest trending epoch; a fresh deployment has none before the first cron run, so one is made now. */
export async function latestEpoch(db: RoutedDatabase): Promise<number> {
	const latest = await db.read((q) => q.execute<{ id: number | null }>(sql`SELECT max(id)::int AS id FROM trending_epochs`));
	return latest.rows[0]?.id ?? (await db.write((q) => computeTrending(q)));
}

export interface FeedStreams {
	/** The trending epoch these pages come from: the one asked for, or the newest (null when none exists yet). */
	epoch: number | null;
	followed: ReelRow[];
	trending: TrendingRow[];
}

/**
 * Up to `limit + 1` reels of each stream, in one statement (one round trip): the viewer's followed
 * creators' (newest first, before `followedBefore`; none when null) and trending ones of `epoch`
 * (0: the newest) after `rankAfter` (none when null) that are not by creators the viewer follows,
 * so no reel comes from both streams.
 */
export async function feedStreams(
	db: RoutedDatabase,
	{
		me,
		epoch,
		followedBefore,
		rankAfter,
		limit,
	}: { me: string | null; epoch: number; followedBefore: string | null | undefined; rankAfter: number | null; limit: number },
): Promise<FeedStreams> {
	const epochSql = epoch ? sql`${epoch}::bigint` : sql`(SELECT max(id) FROM trending_epochs)`;
	const followedOnly = me ? sql`r.author_id IN (SELECT followee_id FROM follows WHERE follower_id = ${me}::uuid)` : sql`false`;
	const parts: SQL[] = [];
	if (followedBefore !== null && me) {
		const followed = reelsQuery({
			me,
			extra: sql`NULL::int AS rank,`,
			from: sql`follows f CROSS JOIN LATERAL (
				SELECT * FROM reels r WHERE r.author_id = f.followee_id AND ${LISTED_TO_FOLLOWER} ${followedBefore ? sql`AND r.id < ${followedBefore}::uuid` : sql``}
				ORDER BY r.id DESC LIMIT ${limit + 1}) r`,
			where: sql`f.follower_id = ${me}::uuid`,
			orderBy: sql`r.id DESC`,
			limit: limit + 1,
		});
		parts.push(sql`SELECT 'following' AS stream, ${epochSql} AS epoch, x.* FROM (${followed}) x`);
	}
	if (rankAfter !== null) {
		const trending = reelsQuery({
			me,
			from: sql`trending_reels t JOIN reels r ON r.id = t.reel_id`,
			extra: sql`t.rank,`,
			where: sql`t.epoch_id = ${epochSql} AND t.rank > ${rankAfter} AND ${VISIBLE} AND ${notBlockedBy(me)} AND NOT (${followedOnly})`,
			orderBy: sql`t.rank`,
			outerOrderBy: sql`r.rank`,
			limit: limit + 1,
		});
		parts.push(sql`SELECT 'trending' AS stream, ${epochSql} AS epoch, y.* FROM (${trending}) y`);
	}
	if (!parts.length) return { epoch: epoch || null, followed: [], trending: [] };
	type Row = TrendingRow & { stream: "following" | "trending"; epoch: number | string | null };
	const { rows } = await db.read((q) => q.execute<Row>(sql.join(parts, sql` UNION ALL `)));
	const found = rows[0]?.epoch;
	return {
		epoch: epoch || (found === undefined || found === null ? null : Number(found)),
		followed: rows.filter((r) => r.stream === "following").sort((a, b) => (a.id < b.id ? 1 : -1)),
		trending: rows.filter((r) => r.stream === "trending").sort((a, b) => a.rank - b.rank),
	};
}

/** Public reels with `tag`, newest first, `limit + 1` of them. */
export const reelsTagged = (db: RoutedDatabase, me: string | null, tag: string, beforeId: string | null, limit: number) =>
	db.read((q) =>
		selectReels(q, {
			me,
			where: sql`${VISIBLE} AND ${notBlockedBy(me)} AND r.hashtags @> ARRAY[${tag}]::text[] ${beforeId ? sql`AND r.id < ${beforeId}::uuid` : sql``}`,
			orderBy: sql`r.id DESC`,
			limit: limit + 1,
		}),
	);
