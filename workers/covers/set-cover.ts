// Replacing a video's cover. The new pictures are written under new names
// (poster-<id>.jpg, thumb-<id>.jpg beside the transcoder's files, so every URL
// stays immutable and cacheable for ever), listed in D1 in place of the old
// ones in one conditional batch, and only then are the old files deleted and
// purged with their image variants: a creator who replaces a cover wants the
// old one gone, not merely unlisted. A change that loses a race, or meets a
// video being taken down, deletes what it wrote and lists nothing.
import { derivedPrefix } from "../cdn/cdn-key";
import { purgeKeysAndVariants } from "../cdn/purge/asset-cache-purge";
import { coverCacheTagOf } from "../cdn/signing/media-access";
import { deleteVariants } from "../cdn/takedown/erase-asset";
import { coverFiles, swapCover } from "../lib/media-db/cover-store";
import { mediaDb } from "../lib/media-db/media-db";
import { logger } from "../lib/observability/logger";
import { HttpProblem } from "../lib/problems/http-problem";
import type { CoverPictures } from "./cover-pictures";

export const coverBusy = () =>
	new HttpProblem(
		409,
		"cover_change_in_progress",
		"Another change to this video's cover landed meanwhile; try again.",
		{},
		{ "Retry-After": "2" },
	);

/**
 * Lists `pictures` as the cover of `video`; `afterCommit` runs once they are listed (the reels on
 * the video take the new URLs) and before the old files go. Returns the new keys. Once the swap is
 * in, the change has landed: a failure after it (Postgres, R2, the purge API) is logged, not
 * answered as the caller's error. The old files are then left in the video's folder (they go with
 * it) and the reels show the new cover at their next sync; a purge the API refused is retried
 * through its queue (edge-purge.ts).
 */
export async function setCover(
	env: Env,
	requestUrl: string,
	video: { id: string; r2Key: string },
	pictures: CoverPictures,
	afterCommit: () => Promise<void>,
): Promise<{ poster: string; thumbnail: string }> {
	const db = mediaDb(env);
	const old = await coverFiles(db, video.id);
	if (!old) throw new HttpProblem(409, "video_not_ready", "A cover can be set once the video is ready.");
	const name = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
	const prefix = derivedPrefix(video.r2Key);
	const next = {
		poster: { key: `${prefix}poster-${name}.jpg`, bytes: pictures.poster.length },
		thumbnail: { key: `${prefix}thumb-${name}.jpg`, bytes: pictures.thumbnail.length },
	};
	const written = [next.poster.key, next.thumbnail.key];
	let listed = false;
	try {
		await Promise.all([
			env.MEDIA.put(next.poster.key, pictures.poster, { httpMetadata: { contentType: "image/jpeg" } }),
			env.MEDIA.put(next.thumbnail.key, pictures.thumbnail, { httpMetadata: { contentType: "image/jpeg" } }),
		]);
		listed = await swapCover(db, video.id, old, next);
	} finally {
		if (!listed) await env.MEDIA.delete(written);
	}
	if (!listed) throw coverBusy();
	try {
		await afterCommit();
		const gone = [old.poster, old.thumbnail];
		await env.MEDIA.delete(gone);
		// Purged while the variants are still indexed (their cache keys come from the index), then forgotten. In
		// production by the pictures' own tag: the video's segments, playlists and captions stay cached.
		await purgeKeysAndVariants(env, requestUrl, gone, [coverCacheTagOf(old.poster)]);
		await deleteVariants(env, gone);
	} catch (err) {
		logger.error("cover_cleanup_failed", { assetId: video.id, error: (err as Error).message });
	}
	return { poster: next.poster.key, thumbnail: next.thumbnail.key };
}
