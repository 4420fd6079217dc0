// An erased account's media plane: its live streams, resumable and direct uploads, and every
// asset it owns (originals, derived files, variants, cached copies, rows), a batch at a time so
// one queue message stays within an invocation's limits (queue/account-jobs-consumer.ts).
import { eq } from "drizzle-orm";
import { setAccess } from "../../lib/media-db/asset-store";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets, directUploads, uploadSessions } from "../../lib/media-db/schema";
import { logger } from "../../lib/observability/logger";
import { deletePrefix } from "../../lib/r2/delete-prefix";
import { exportsPrefix } from "../../lib/r2/export-keys";
import { deleteStreamsOf } from "../../live/live-store";
import { eraseAsset } from "./erase-asset";

/**
 * Assets erased per message. Each costs a handful of R2 and D1 calls, plus one R2 list and delete
 * per 1,000 derived files: 10 keeps a batch far inside the 1,000 subrequests a queue invocation may
 * make on the Free plan (developers.cloudflare.com/workers/platform/limits/#subrequests).
 */
export const ERASE_BATCH = 10;

/** Nothing of the account's is served from now on: every asset refuses readers (the cache is purged as each is erased). */
export async function blockAccountMedia(env: Env, ownerId: string): Promise<void> {
	await setAccess(mediaDb(env), { ownerId }, "blocked");
}

/** One batch of the account's erasure; `more` when assets are left for another message. */
export async function eraseAccountMedia(env: Env, ownerId: string, requestUrl: string): Promise<{ erased: number; more: boolean }> {
	const db = mediaDb(env);
	await deleteStreamsOf(env, ownerId);
	for (const s of await db.select().from(uploadSessions).where(eq(uploadSessions.ownerId, ownerId))) {
		if (s.r2Key && s.r2UploadId && s.status === "uploading") {
			await env.MEDIA.resumeMultipartUpload(s.r2Key, s.r2UploadId)
				.abort()
				.catch((err: Error) => logger.warn("erasure_upload_abort_failed", { id: s.id, error: err.message }));
		}
		await db.delete(uploadSessions).where(eq(uploadSessions.id, s.id));
	}
	await db.delete(directUploads).where(eq(directUploads.ownerId, ownerId));
	// Its data exports' archives (their rows went with the account).
	await deletePrefix(env.MEDIA, exportsPrefix(ownerId));
	const batch = await db
		.select({ id: assets.id, r2Key: assets.r2Key })
		.from(assets)
		.where(eq(assets.ownerId, ownerId))
		.limit(ERASE_BATCH + 1);
	for (const asset of batch.slice(0, ERASE_BATCH)) await eraseAsset(env, requestUrl, asset);
	return { erased: Math.min(batch.length, ERASE_BATCH), more: batch.length > ERASE_BATCH };
}
