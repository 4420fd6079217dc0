// Reports and their review in Postgres.
import { sql } from "drizzle-orm";
import type { Db, RoutedDatabase } from "../../lib/postgres/routed-database";
import { canSee, PLAYABLE, type ReelRow, selectReels } from "./reel-cards";
import { reelNotFound } from "./reel-store";

/** How much one report counts towards hiding a reel. */
export interface ReportWeighing {
	/** Summed weight that hides a reel at once (REEL_HIDE_AFTER_REPORTS). */
	hideAfter: number;
	/** Accounts younger than this weigh nothing: throwaway accounts cannot hide anything. */
	minAccountAgeHours: number;
	/** Reporters with this many reports overturned by moderators weigh nothing either. */
	maxDismissed: number;
}

/**
 * Records one person's report of a visible reel (once per person, ever: a dismissed
 * report still blocks a second one). Its weight is fixed now: an admin's report
 * hides at once; an account younger than `minAccountAgeHours`, or one whose reports
 * were overturned `maxDismissed` times, counts 0; anyone else counts 1.
 * Returns the reel's video asset id.
 */
export async function reportReel(
	tx: Db,
	{ reelId, reporterId, reason, weighing }: { reelId: string; reporterId: string; reason: string; weighing: ReportWeighing },
): Promise<{ videoAssetId: string; authorId: string; newlyHidden: boolean; hiddenAt: string | null }> {
	const { hideAfter, minAccountAgeHours, maxDismissed } = weighing;
	const { rows } = await tx.execute(sql`
			WITH target AS (SELECT r.id FROM reels r WHERE r.id = ${reelId} AND ${PLAYABLE} AND ${canSee({ id: reporterId, admin: false })}),
			     reporter AS (
			       SELECT CASE WHEN u.role = 'admin' THEN ${hideAfter}::int
			                   WHEN u.created_at > now() - make_interval(hours => ${minAccountAgeHours}::int)
			                     OR u.dismissed_reports >= ${maxDismissed}::int THEN 0
			                   ELSE 1 END AS weight
			       FROM users u WHERE u.id = ${reporterId}),
			     ins AS (INSERT INTO reports (reel_id, reporter_id, reason, weight)
			             SELECT target.id, ${reporterId}, ${reason}, reporter.weight FROM target, reporter
			             ON CONFLICT DO NOTHING RETURNING weight),
			     added AS (SELECT count(*)::int AS n, COALESCE(sum(weight), 0)::int AS w FROM ins)
			UPDATE reels SET report_count = report_count + added.n, report_weight = report_weight + added.w,
				hidden_at = CASE WHEN report_weight + added.w >= ${hideAfter} THEN COALESCE(hidden_at, now()) ELSE hidden_at END
			FROM added WHERE id = (SELECT id FROM target)
			RETURNING video_asset_id, author_id, hidden_at = now() AS newly_hidden, hidden_at::text AS hidden_at`);
	const row = rows[0] as { video_asset_id: string; author_id: string; newly_hidden: boolean | null; hidden_at: string | null } | undefined;
	if (!row) throw reelNotFound();
	// now() is the transaction's start: equal only when this statement set hidden_at.
	return { videoAssetId: row.video_asset_id, authorId: row.author_id, newlyHidden: row.newly_hidden === true, hiddenAt: row.hidden_at };
}

/** Reels with reports, hidden or not, newest first, `limit + 1` of them. */
export const reportedReels = (db: RoutedDatabase, viewerId: string, beforeId: string | null, limit: number) =>
	db.read((q) =>
		selectReels(q, {
			me: viewerId,
			extra: sql`r.report_count,`,
			where: sql`r.report_count > 0 ${beforeId ? sql`AND r.id < ${beforeId}::uuid` : sql``}`,
			orderBy: sql`r.id DESC`,
			limit: limit + 1,
		}),
	) as Promise<(ReelRow & { report_count: number })[]>;

/**
 * Shows a reel again and dismisses its pending reports; 404 when there is no such
 * reel. The reports stay (dismissed), so the same accounts cannot hide it again,
 * and each of their reporters loses standing (users.dismissed_reports).
 */
export async function restoreReel(db: RoutedDatabase, reelId: string): Promise<void> {
	const restored = await db.write((q) =>
		q.transaction(async (tx) => {
			const { rows } = await tx.execute(
				sql`UPDATE reels SET hidden_at = NULL, report_count = 0, report_weight = 0, updated_at = now() WHERE id = ${reelId} RETURNING id`,
			);
			if (!rows.length) return false;
			await tx.execute(sql`
				WITH dismissed AS (
				  UPDATE reports SET dismissed_at = now() WHERE reel_id = ${reelId} AND dismissed_at IS NULL RETURNING reporter_id)
				UPDATE users SET dismissed_reports = dismissed_reports + 1 WHERE id IN (SELECT reporter_id FROM dismissed)`);
			return true;
		}),
	);
	if (!restored) throw reelNotFound();
}
