// Every cached copy of one asset (its original, its derived files, its caption tracks and the image
// variants made from any of them) dropped from the edge: what a takedown, a
// reel made private or a hidden reel needs.
import { eq, inArray } from "drizzle-orm";
import { captionKeys } from "../../lib/media-db/caption-store";
import { mediaDb } from "../../lib/media-db/media-db";
import { derivedFiles, imageVariants } from "../../lib/media-db/schema";
import { variantCacheKey } from "../images/image-variants";
import { purgeFromEdge } from "./edge-purge";

/** Only pictures have variants (/img); asking D1 about segments and playlists would be wasted queries. */
const PICTURE = /\.(jpe?g|png|gif|webp|avif)$/;
/** D1 binds at most 100 parameters per statement. */
const IN_CHUNK = 90;

/** The variants (rows) made from any of `keys`, read in chunks D1 accepts. */
export async function variantsOf(env: Env, keys: string[]) {
	const pictures = keys.filter((k) => PICTURE.test(k));
	const rows = [];
	for (let i = 0; i < pictures.length; i += IN_CHUNK) {
		rows.push(
			...(await mediaDb(env)
				.select()
				.from(imageVariants)
				.where(inArray(imageVariants.originalKey, pictures.slice(i, i + IN_CHUNK)))),
		);
	}
	return rows;
}

/**
 * Drops the cached copies of `keys` and of every variant made from them; returns `keys`. `tags`: the
 * cache tags to purge in production (default: the assets' own tags, every file of theirs).
 */
export async function purgeKeysAndVariants(env: Env, requestUrl: string, keys: string[], tags?: string[]): Promise<string[]> {
	// Variants exist only within IMAGE_MAX_VARIANTS per source (image-variants.ts), so this stays bounded.
	const variants = await variantsOf(env, keys);
	await purgeFromEdge(env, requestUrl, {
		keys,
		...(tags ? { tags } : {}),
		cacheKeys: variants.map((v) => variantCacheKey(v.originalKey, v.options, v.format)),
	});
	return keys;
}

/**
 * Drops the cached copies of the asset's files everywhere the platform can reach.
 * `alsoKeys`: files known otherwise (an R2 listing) that the index may not list.
 * Returns every key it purged.
 */
export async function purgeAssetCaches(
	env: Env,
	requestUrl: string,
	asset: { id: string; r2Key: string },
	alsoKeys: string[] = [],
): Promise<string[]> {
	const db = mediaDb(env);
	const [derived, captioned] = await Promise.all([
		db.select({ key: derivedFiles.r2Key }).from(derivedFiles).where(eq(derivedFiles.assetId, asset.id)),
		captionKeys(db, asset.id),
	]);
	return purgeKeysAndVariants(env, requestUrl, [...new Set([asset.r2Key, ...derived.map((d) => d.key), ...captioned, ...alsoKeys])]);
}
