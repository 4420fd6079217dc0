import { and, count, eq } from "drizzle-orm";
import { configOf } from "../lib/config/config";
import { mediaDb } from "../lib/media-db/media-db";
import { imageVariants } from "../lib/media-db/schema";

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
 * already has IMAGE_MAX_VARIANTS stored: the bound that stops one image from
 * filling the bucket with sizes. Returns whether the bytes were stored.
 */
export async function recordVariant(
	env: Env,
	originalKey: string,
	normalizedOptions: string,
	format: VariantFormat,
	bytes: Uint8Array,
): Promise<boolean> {
	const db = mediaDb(env);
	const [existing] = await db
		.select({ n: count() })
		.from(imageVariants)
		.where(and(eq(imageVariants.originalKey, originalKey), eq(imageVariants.stored, true)));
	const store = (existing?.n ?? 0) < configOf(env).IMAGE_MAX_VARIANTS;
	const key = variantKeyOf(originalKey, normalizedOptions, format);
	if (store) await env.MEDIA.put(key, bytes);
	await db
		.insert(imageVariants)
		.values({
			variantKey: key,
			originalKey,
			options: normalizedOptions,
			format,
			bytes: bytes.length,
			stored: store,
			createdAt: new Date().toISOString(),
		})
		.onConflictDoNothing();
	return store;
}

/** Deletes every variant of `originalKey` from R2, the edge cache and the index; returns how many. */
export async function purgeVariants(env: Env, originalKey: string): Promise<number> {
	const db = mediaDb(env);
	const rows = await db.select().from(imageVariants).where(eq(imageVariants.originalKey, originalKey));
	const stored = rows.filter((r) => r.stored).map((r) => r.variantKey);
	if (stored.length > 0) await env.MEDIA.delete(stored);
	await Promise.all(rows.map((r) => caches.default.delete(variantCacheKey(originalKey, r.options, r.format))));
	await db.delete(imageVariants).where(eq(imageVariants.originalKey, originalKey));
	return rows.length;
}
