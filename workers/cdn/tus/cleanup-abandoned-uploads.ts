import { and, eq, exists, lt, notExists, or } from "drizzle-orm";
import { configOf } from "../../lib/config/config";
import { deleteAssetRow, markUploadFailed } from "../../lib/media-db/asset-store";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets, directUploads, uploadSessions } from "../../lib/media-db/schema";
import { logger } from "../../lib/observability/logger";

const BATCH = 100;
/**
 * Batches per run: 1,000 uploads an hour. Each costs about three subrequests
 * (an R2 abort and two D1 writes), so a full run stays near 3,000, inside the
 * 10,000 a paid Worker invocation may make
 * (https://developers.cloudflare.com/workers/platform/limits/#subrequests).
 */
const MAX_BATCHES = 10;
/**
 * A direct upload's session is abandoned after an hour idle, not UPLOAD_ABANDON_HOURS: it holds
 * part of its owner's storage quota, and whoever holds its URL (a stranger to the owner) could
 * otherwise keep that room reserved for a day by starting uploads and sending nothing.
 */
export const DIRECT_UPLOAD_IDLE_HOURS = 1;

/**
 * The scheduled cleanup: resumable uploads untouched for UPLOAD_ABANDON_HOURS
 * have their R2 multipart upload aborted (so no parts linger), the session
 * marked abandoned and the asset failed. Returns how many were cleaned.
 */
export async function cleanupAbandonedUploads(env: Env, nowMs = Date.now()): Promise<number> {
	let cleaned = 0;
	for (let batch = 0; batch < MAX_BATCHES; batch++) {
		const n = await cleanBatch(env, nowMs);
		cleaned += n;
		if (n < BATCH) break;
	}
	cleaned += await cleanInterruptedUploads(env, nowMs);
	if (cleaned > 0) logger.info("abandoned_uploads_cleaned", { count: cleaned });
	return cleaned;
}

/**
 * Single-request uploads whose Worker never settled them (cut off mid-stream): their asset row
 * still holds the room it reserved (storage-quota.ts) and R2 may hold part of a file. Both go.
 */
async function cleanInterruptedUploads(env: Env, nowMs: number): Promise<number> {
	const db = mediaDb(env);
	const cutoff = new Date(nowMs - configOf(env).UPLOAD_ABANDON_HOURS * 3_600_000).toISOString();
	const stale = await db
		.select({ id: assets.id, r2Key: assets.r2Key })
		.from(assets)
		.where(
			and(
				eq(assets.status, "uploading"),
				lt(assets.updatedAt, cutoff),
				notExists(db.select({ id: uploadSessions.id }).from(uploadSessions).where(eq(uploadSessions.id, assets.id))),
			),
		)
		.limit(BATCH);
	for (const a of stale) {
		await env.MEDIA.delete(a.r2Key);
		await deleteAssetRow(db, a.id);
	}
	return stale.length;
}

async function cleanBatch(env: Env, nowMs: number): Promise<number> {
	const db = mediaDb(env);
	const cutoff = new Date(nowMs - configOf(env).UPLOAD_ABANDON_HOURS * 3_600_000).toISOString();
	const directCutoff = new Date(nowMs - DIRECT_UPLOAD_IDLE_HOURS * 3_600_000).toISOString();
	const isDirect = exists(db.select({ id: directUploads.id }).from(directUploads).where(eq(directUploads.id, uploadSessions.id)));
	const stale = await db
		.select()
		.from(uploadSessions)
		.where(
			and(
				eq(uploadSessions.status, "uploading"),
				or(lt(uploadSessions.updatedAt, cutoff), and(lt(uploadSessions.updatedAt, directCutoff), isDirect)),
			),
		)
		.limit(BATCH);
	for (const s of stale) {
		if (s.r2Key && s.r2UploadId) {
			await env.MEDIA.resumeMultipartUpload(s.r2Key, s.r2UploadId)
				.abort()
				.catch((err: Error) => logger.warn("abandoned_upload_abort_failed", { id: s.id, error: err.message }));
		}
		const t = new Date(nowMs).toISOString();
		await db.update(uploadSessions).set({ status: "abandoned", updatedAt: t }).where(eq(uploadSessions.id, s.id));
		await markUploadFailed(db, s.id, "upload_abandoned", t);
	}
	return stale.length;
}
