import { count, eq } from "drizzle-orm";
import { configOf } from "../../lib/config/config";
import { mediaDb } from "../../lib/media-db/media-db";
import { imageVariants } from "../../lib/media-db/schema";

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
 * the bucket (and the index) with sizes. Past it nothing at all is written, so
 * the index, and the work of purging an original, never exceed the cap.
 * Returns whether the bytes were stored.
 */
export async function recordVariant(
	env: Env,
	originalKey: string,
	normalizedOptions: string,
	format: VariantFormat,
	bytes: Uint8Array,
	/** What the binding made, which may differ from `format` (AVIF falls back for large images): served with it. */
	contentType: string,
): Promise<boolean> {
	const db = mediaDb(env);
	const [existing] = await db.select({ n: count() }).from(imageVariants).where(eq(imageVariants.originalKey, originalKey));
	if ((existing?.n ?? 0) >= configOf(env).IMAGE_MAX_VARIANTS) return false;
	const key = variantKeyOf(originalKey, normalizedOptions, format);
	await env.MEDIA.put(key, bytes, { httpMetadata: { contentType } });
	await db
		.insert(imageVariants)
		.values({
			variantKey: key,
			originalKey,
			options: normalizedOptions,
			format,
			bytes: bytes.length,
			stored: true,
			createdAt: new Date().toISOString(),
		})
		.onConflictDoNothing();
	return true;
}
