// Taking one asset off the platform for good: what deleting an upload, and erasing an account,
// do to each of its files. Nothing is served from the first step on (the row is blocked, so a
// cache miss finds no readable asset); then the bytes go (the original, everything derived under
// its prefix, the stored image variants), every cached copy is purged, and the index rows last, so
// a step that fails leaves the asset findable and the whole can be run again.
import { eq } from "drizzle-orm";
import { deleteAssetRow, setAccess } from "../../lib/media-db/asset-store";
import { deleteDerivedRows } from "../../lib/media-db/derived-rows";
import { mediaDb } from "../../lib/media-db/media-db";
import { directUploads, imageVariants } from "../../lib/media-db/schema";
import { deletePrefix } from "../../lib/r2/delete-prefix";
import { derivedPrefix } from "../cdn-key";
import { purgeAssetCaches, variantsOf } from "../purge/asset-cache-purge";

/** Deletes the variants of every picture among `keys` from R2 and the index (their cache is purged separately). */
export async function deleteVariants(env: Env, keys: string[]): Promise<number> {
	const rows = await variantsOf(env, keys);
	const stored = rows.filter((r) => r.stored).map((r) => r.variantKey);
	for (let i = 0; i < stored.length; i += 1000) await env.MEDIA.delete(stored.slice(i, i + 1000));
	for (const originalKey of new Set(rows.map((r) => r.originalKey))) {
		await mediaDb(env).delete(imageVariants).where(eq(imageVariants.originalKey, originalKey));
	}
	return rows.length;
}

/**
 * Erases `asset` from R2, the edge cache and D1. `requestUrl`: the request that asked for it (local
 * cache entries are keyed by its origin; production purges by tag everywhere).
 */
export async function eraseAsset(
	env: Env,
	requestUrl: string,
	asset: { id: string; r2Key: string },
): Promise<{ derivedDeleted: number; variantsPurged: number }> {
	const db = mediaDb(env);
	await setAccess(db, { id: asset.id }, "blocked");
	// Derived files live under the original's key without its extension: YYYY/MM/DD/<uuid>/…
	const derived = await deletePrefix(env.MEDIA, derivedPrefix(asset.r2Key));
	await env.MEDIA.delete(asset.r2Key);
	const purged = await purgeAssetCaches(env, requestUrl, asset, derived);
	const variantsPurged = await deleteVariants(env, purged);
	await deleteDerivedRows(db, asset.id);
	await deleteAssetRow(db, asset.id);
	// A direct upload's video is gone too, not "uploading" again on its status.
	await db.delete(directUploads).where(eq(directUploads.id, asset.id));
	return { derivedDeleted: derived.length, variantsPurged };
}
