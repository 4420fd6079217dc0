import { eq, sql } from "drizzle-orm";
import { configOf } from "../../lib/config/config";
import { mediaDb } from "../../lib/media-db/media-db";
import { imageVariants } from "../../lib/media-db/schema";
import { mayRead } from "../signing/media-access";

export type VariantFormat = "avif" | "webp" | "jpeg" | "png";

/** Where a variant lives in R2: under its own prefix, keyed by original + normalised options. */
export const variantKeyOf = (originalKey: string, normalizedOptions: string, format: VariantFormat) =>
	`variants/${originalKey}/${normalizedOptions}.${format}`;

/** The edge-cache key of a variant (also what purging deletes). */
export const variantCacheKey = (originalKey: string, normalizedOptions: string, format: VariantFormat) =>
	new Request(`https://img.internal/${normalizedOptions}/${format}/${originalKey}`);

/** A stored variant's bytes, if there is one. */
export async function storedVariant(env: Env, originalKey: string, normalizedOptions: string, format: VariantFormat) {
	const key = variantKeyOf(originalKey, normalizedOptions, format);
	const row = await mediaDb(env).query.imageVariants.findFirst({ where: eq(imageVariants.variantKey, key), columns: { stored: true } });
	return row?.stored ? env.MEDIA.get(key) : null;
}

/**
 * Records a served variant and keeps its bytes in R2 unless the original
 * already has IMAGE_MAX_VARIANTS: the bound that stops one image from filling
 * the bucket (and the index) with sizes. Past it nothing at all is written.
 *
 * The cap is checked by the statement that writes the index row, so
 * simultaneous misses of one image in many sizes cannot all pass it (D1 runs
 * one statement at a time), and a miss costs one index read (storedVariant)
 * and this one write. The row is written before the bytes: purging and
 * erasing find variants through the index, so bytes without a row would
 * outlive a takedown, while a row without bytes (a put that failed) only
 * means the variant is made again and stored then. A takedown that begins
 * while the transform runs is keepVariant's to catch.
 * Returns whether the bytes were stored.
 */
async function recordVariant(
	env: Env,
	originalKey: string,
	normalizedOptions: string,
	format: VariantFormat,
	bytes: Uint8Array,
	/** What the binding made, which may differ from `format` (AVIF falls back for large images): served with it. */
	contentType: string,
): Promise<boolean> {
	const key = variantKeyOf(originalKey, normalizedOptions, format);
	// RETURNING names the row whether it was written now or was already there (a put that failed, or a
	// simultaneous twin): either way the bytes belong in R2. Nothing comes back only when the cap said no.
	const kept = await mediaDb(env).all<{ variant_key: string }>(
		sql`INSERT INTO image_variants (variant_key, original_key, options, format, bytes, stored, created_at)
		    SELECT ${key}, ${originalKey}, ${normalizedOptions}, ${format}, ${bytes.length}, 1, ${new Date().toISOString()}
		    WHERE (SELECT count(*) FROM image_variants WHERE original_key = ${originalKey}) < ${configOf(env).IMAGE_MAX_VARIANTS}
		       OR EXISTS (SELECT 1 FROM image_variants WHERE variant_key = ${key})
		    ON CONFLICT (variant_key) DO UPDATE SET stored = 1
		    RETURNING variant_key`,
	);
	if (kept.length === 0) return false;
	await env.MEDIA.put(key, bytes, { httpMetadata: { contentType } });
	return true;
}

/**
 * Records a variant just made (recordVariant), then asks again whether its source may be read: a
 * takedown may have begun while the transform ran, and purged the caches and the variants it found
 * before this one was kept. Asked after the bytes are stored and before anything is cached, so
 * whichever order the two took, nothing of a withdrawn source is left stored or cached. Returns
 * false when the source was withdrawn (what was stored is taken back): answer 404, cache nothing.
 */
export async function keepVariant(...args: Parameters<typeof recordVariant>): Promise<boolean> {
	const [env, originalKey, normalizedOptions, format] = args;
	const stored = await recordVariant(...args);
	if (await mayRead(env, originalKey, false)) return true;
	if (stored) {
		const key = variantKeyOf(originalKey, normalizedOptions, format);
		await env.MEDIA.delete(key);
		await mediaDb(env).delete(imageVariants).where(eq(imageVariants.variantKey, key));
	}
	return false;
}
