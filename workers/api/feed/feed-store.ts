// The feed's and the hashtag list's queries. Followed creators' reels come
// from a LATERAL scan per followed creator on reels_author_idx (cheap however
// many reels exist); trending from one ranked epoch (trending.ts).
import { sql } from "drizzle-orm";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { LISTED_TO_FOLLOWER, notBlockedBy, type ReelRow, selectReels, VISIBLE } from "../reels/reel-cards";
import { computeTrending } from "./trending";

export type TrendingRow = ReelRow & { rank: number };

/** The newest trending epoch; a fresh deployment has none before the first cron run, so one is made now. */
export async function latestEpoch(db: RoutedDatabase): Promise<number> {
	const latest = await db.read((q) => q.execute<{ id: number | null }>(sql`SELECT max(id)::int AS id FROM trending_epochs`));
	return latest.rows[0]?.id ?? (await db.write((q) => computeTrending(q)));
}

/**
 * Up to `limit + 1` reels of each stream: the viewer's followed creators'
 * (newest first, before `followedBefore`; none when null) and the epoch's
 * trending ones after `rankAfter` (none when null) that are not by creators
 * the viewer follows, so no reel comes from both streams.
 */
export function feedStreams(
	db: RoutedDatabase,
	{
		me,
		epoch,
		followedBefore,
		rankAfter,
		limit,
	}: { me: string | null; epoch: number; followedBefore: string | null | undefined; rankAfter: number | null; limit: number },
): Promise<[ReelRow[], TrendingRow[]]> {
	const followedOnly = me ? sql`r.author_id IN (SELECT followee_id FROM follows WHERE follower_id = ${me}::uuid)` : sql`false`;
	return db.read(async (q) => [
		followedBefore === null || !me
			? []
			: await selectReels(q, {
					me,
					from: sql`follows f CROSS JOIN LATERAL (
						SELECT * FROM reels r WHERE r.author_id = f.followee_id AND ${LISTED_TO_FOLLOWER} ${followedBefore ? sql`AND r.id < ${followedBefore}::uuid` : sql``}
						ORDER BY r.id DESC LIMIT ${limit + 1}) r`,
					where: sql`f.follower_id = ${me}::uuid`,
					orderBy: sql`r.id DESC`,
					limit: limit + 1,
				}),
		rankAfter === null
			? []
			: ((await selectReels(q, {
					me,
					from: sql`trending_reels t JOIN reels r ON r.id = t.reel_id`,
					extra: sql`t.rank,`,
					where: sql`t.epoch_id = ${epoch} AND t.rank > ${rankAfter} AND ${VISIBLE} AND ${notBlockedBy(me)} AND NOT (${followedOnly})`,
					orderBy: sql`t.rank`,
					outerOrderBy: sql`r.rank`,
					limit: limit + 1,
				})) as TrendingRow[]),
	]);
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
