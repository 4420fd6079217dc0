// A video refused as too long is not dropped at once when it could be trimmed: the transcoder found
// it sound media within MAX_ORIGINAL_SECONDS, so its original is kept for TRIM_GRACE_SECONDS and a
// clip of at most the video limit can be made of it (POST /api/videos/:id/clip, or a reel posted with
// `clip`). Meanwhile nobody can read it (media-access.ts refuses a failed video's original), its bytes
// still count against the owner's quota, and the hourly sweep below deletes it after the grace.
import { and, eq, isNotNull, lte, notInArray, sql } from "drizzle-orm";
import { mediaDb } from "../lib/media-db/media-db";
import { assets } from "../lib/media-db/schema";
import { logger } from "../lib/observability/logger";
import { dropFailedBytes } from "./transcode-outcome";
import type { SourceTrim } from "./transcoder-client";

/** A day: long enough to come back to the upload page, short enough that a refused video is not free storage. */
export const TRIM_GRACE_SECONDS = 24 * 3600;
/** Originals read per batch, and batches per run: 1,000 an hour at most, each a few R2 and D1 calls (inside one invocation's subrequests). */
const SWEEP_BATCH = 100;
const SWEEP_BATCHES = 10;

export interface Trimmable {
	/** The source's length, in seconds. */
	durationSeconds: number;
	/** The longest clip that may be made of it. */
	maxSeconds: number;
	/** When its original is deleted (ISO 8601). */
	until: string;
}

/** What markFailed keeps of a trimmable source, from the transcoder's refusal. */
export const keptForTrimming = (trim: SourceTrim, now = Date.now()) => ({
	durationMs: trim.durationMs,
	maxMs: trim.maxSeconds * 1000,
	until: new Date(now + TRIM_GRACE_SECONDS * 1000).toISOString(),
});

/** Whether a clip can still be made of this failed video, and within what. */
export function trimmableOf(
	asset: Pick<typeof assets.$inferSelect, "status" | "trimUntil" | "trimMaxMs" | "durationMs">,
	now = new Date().toISOString(),
): Trimmable | null {
	if (asset.status !== "failed" || !asset.trimUntil || asset.trimUntil <= now) return null;
	if (asset.trimMaxMs === null || asset.durationMs === null) return null;
	return { durationSeconds: asset.durationMs / 1000, maxSeconds: asset.trimMaxMs / 1000, until: asset.trimUntil };
}

/**
 * Hourly: the originals whose grace is over are deleted and stop counting against the quota, oldest
 * first. One whose clip is still being made waits for it (the clip's job reads it). One that fails is
 * logged and left for the next run, never holding up the others.
 */
export async function sweepTrimmableOriginals(env: Env, now = new Date().toISOString()): Promise<number> {
	const db = mediaDb(env);
	const failed: string[] = [];
	let swept = 0;
	for (let batch = 0; batch < SWEEP_BATCHES; batch++) {
		const due = await db
			.select({ id: assets.id, r2Key: assets.r2Key })
			.from(assets)
			.where(
				and(
					isNotNull(assets.trimUntil),
					lte(assets.trimUntil, now),
					failed.length ? notInArray(assets.id, failed) : undefined,
					sql`NOT EXISTS (SELECT 1 FROM assets c WHERE c.clip_of = ${assets.id} AND c.status IN ('queued', 'processing'))`,
				),
			)
			.orderBy(assets.trimUntil)
			.limit(SWEEP_BATCH);
		for (const asset of due) {
			try {
				await dropFailedBytes(env, db, asset);
				await db.update(assets).set({ trimUntil: null }).where(eq(assets.id, asset.id));
				swept++;
			} catch (err) {
				failed.push(asset.id);
				logger.warn("trimmable_original_sweep_failed", { assetId: asset.id, error: (err as Error).message });
			}
		}
		if (due.length < SWEEP_BATCH) break;
	}
	if (swept > 0) logger.info("trimmable_originals_swept", { count: swept });
	return swept;
}
