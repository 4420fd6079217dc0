// Who may fetch a reel's video bytes follows the reel: the CDN reads an
// asset's `access` (D1, cdn/signing/media-access.ts), and this keeps it in step with
// Postgres after every change that can move it (posting, visibility, hiding,
// restoring, deleting, moderation). Narrowing access also purges the edge
// cache, since cached copies are served without asking.
//
// It also hands out the URLs: media of any but a public, visible reel goes out
// signed (MEDIA_URL_TTL_SECONDS), so only those the API shows the reel to can play it.
import { eq, sql } from "drizzle-orm";
import { purgeAssetCaches } from "../../cdn/purge/asset-cache-purge";
import type { MediaAccess } from "../../cdn/signing/media-access";
import { signPlaybackUrls } from "../../cdn/signing/media-url-signature";
import { setAccess } from "../../lib/media-db/asset-store";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import type { Reel } from "./reel-schemas";

/** The access a video's reels give it, read on the primary (it follows a write of this request). */
async function accessFromReels(db: RoutedDatabase, assetId: string): Promise<MediaAccess> {
	const [row] = await db.readFromPrimary(async (q) => {
		const { rows } = await q.execute<{ blocked: boolean; listed: boolean }>(sql`
			SELECT EXISTS (SELECT 1 FROM moderated_videos WHERE video_asset_id = ${assetId}) AS blocked,
			       EXISTS (SELECT 1 FROM reels WHERE video_asset_id = ${assetId} AND visibility = 'public' AND hidden_at IS NULL) AS listed`);
		return rows;
	});
	return row?.blocked ? "blocked" : row?.listed ? "public" : "signed";
}

/** Brings the video's D1 access in line with its reels; purges cached copies when access narrows. */
export async function syncVideoAccess(env: Env, db: RoutedDatabase, assetId: string, requestUrl: string): Promise<MediaAccess> {
	const access = await accessFromReels(db, assetId);
	const media = mediaDb(env);
	const before = await media.query.assets.findFirst({ where: eq(assets.id, assetId), columns: { access: true, r2Key: true } });
	if (!before || before.access === access) return access;
	await setAccess(media, { id: assetId }, access);
	if (access !== "public") await purgeAssetCaches(env, requestUrl, { id: assetId, r2Key: before.r2Key });
	return access;
}

/** The reel as the API shows it: its media URLs signed unless it is public and visible. */
export async function withMediaUrls(env: Env, reel: Reel): Promise<Reel> {
	if (reel.visibility === "public" && !reel.hidden) return reel;
	return { ...reel, video: await signPlaybackUrls(env, reel.video) };
}
