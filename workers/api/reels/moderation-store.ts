// Reports and their review in Postgres.
import { sql } from "drizzle-orm";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { type ReelRow, selectReels, VISIBLE } from "./reel-cards";
import { reelNotFound } from "./reel-store";

/** Records one person's report of a visible reel; `hideAfter` distinct reports hide it at once. */
export async function reportReel(
	db: RoutedDatabase,
	{ reelId, reporterId, reason, hideAfter }: { reelId: string; reporterId: string; reason: string; hideAfter: number },
): Promise<void> {
	const { rows } = await db.write((q) =>
		q.execute(sql`
			WITH target AS (SELECT r.id FROM reels r WHERE r.id = ${reelId} AND ${VISIBLE}),
			     ins AS (INSERT INTO reports (reel_id, reporter_id, reason) SELECT id, ${reporterId}, ${reason}
			             FROM target ON CONFLICT DO NOTHING RETURNING reel_id)
			UPDATE reels SET report_count = report_count + (SELECT count(*) FROM ins),
				hidden_at = CASE WHEN report_count + (SELECT count(*) FROM ins) >= ${hideAfter} THEN now() ELSE hidden_at END
			WHERE id = (SELECT id FROM target) RETURNING id`),
	);
	if (!rows.length) throw reelNotFound();
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

/** Shows a reel again and clears its reports; 404 when there is no such reel. */
export async function restoreReel(db: RoutedDatabase, reelId: string): Promise<void> {
	const restored = await db.write((q) =>
		q.transaction(async (tx) => {
			const { rows } = await tx.execute(
				sql`UPDATE reels SET hidden_at = NULL, report_count = 0, updated_at = now() WHERE id = ${reelId} RETURNING id`,
			);
			if (rows.length) await tx.execute(sql`DELETE FROM reports WHERE reel_id = ${reelId}`);
			return rows.length > 0;
		}),
	);
	if (!restored) throw reelNotFound();
}
