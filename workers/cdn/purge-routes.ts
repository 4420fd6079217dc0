import { eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../lib/app/app-env";
import { requireAuth, requireRole } from "../lib/auth/authenticate";
import { mediaDb } from "../lib/media-db/media-db";
import { assets, derivedFiles, imageVariants } from "../lib/media-db/schema";
import { HttpProblem } from "../lib/problems/http-problem";
import { pagesUnder } from "../lib/r2/pages-under";
import { purgeAssetCaches, purgeKeysAndVariants, variantsOf } from "./asset-cache-purge";
import { cdnKeyFrom, derivedPrefix, mediaNotFound } from "./cdn-key";

/** Deletes every object under `prefix` (the files derived from an original), page by page; returns their keys. */
async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<string[]> {
	const deleted: string[] = [];
	for await (const page of pagesUnder(bucket, prefix)) {
		const keys = page.map((o) => o.key);
		await bucket.delete(keys);
		deleted.push(...keys);
	}
	return deleted;
}

/** Deletes the variants of every picture among `keys` from R2 and the index (their cache is purged separately). */
async function deleteVariants(env: Env, keys: string[]): Promise<number> {
	const rows = await variantsOf(env, keys);
	const stored = rows.filter((r) => r.stored).map((r) => r.variantKey);
	for (let i = 0; i < stored.length; i += 1000) await env.MEDIA.delete(stored.slice(i, i + 1000));
	for (const originalKey of new Set(rows.map((r) => r.originalKey))) {
		await mediaDb(env).delete(imageVariants).where(eq(imageVariants.originalKey, originalKey));
	}
	return rows.length;
}

/**
 * DELETE /cdn/cache/<key> (admin): drops every cached copy of an original, its
 * derived files and their variants (edge cache and R2 variant store). DELETE
 * /cdn/<key> (owner or admin): deletes the asset, its derived files and its
 * variants from R2, the index and the edge cache (edge-purge.ts says how the
 * cache is reached in production). Mounted before the delivery route; the app
 * puts the request stack in front of both.
 */
export const purgeRoutes = new Hono<AppEnv>()
	.delete("/cdn/cache/*", requireRole("admin"), async (c) => {
		const key = cdnKeyFrom(c.req.path.slice("/cdn/cache/".length));
		const asset = await mediaDb(c.env).query.assets.findFirst({ where: eq(assets.r2Key, key), columns: { id: true, r2Key: true } });
		// An asset's whole family (derived files and their variants); a lone file just itself and its variants.
		const keys = asset ? await purgeAssetCaches(c.env, c.req.url, asset) : await purgeKeysAndVariants(c.env, c.req.url, [key]);
		const variants = await deleteVariants(c.env, keys);
		return c.json({ key, filesPurged: keys.length, variantsPurged: variants }, 200);
	})
	.delete("/cdn/*", requireAuth(), async (c) => {
		const key = cdnKeyFrom(c.req.path.slice("/cdn/".length));
		const db = mediaDb(c.env);
		const asset = await db.query.assets.findFirst({ where: eq(assets.r2Key, key), columns: { id: true, ownerId: true } });
		if (!asset) throw mediaNotFound();
		const auth = c.var.auth;
		if (auth.sub !== asset.ownerId && auth.role !== "admin")
			throw new HttpProblem(403, "forbidden", "Only the owner or an admin may delete this.");
		// Nothing is served from here on: the row goes first (a cache miss finds no asset: 404), then the bytes.
		await db.update(assets).set({ access: "blocked" }).where(eq(assets.id, asset.id));
		// Derived files live under the original's key without its extension: YYYY/MM/DD/<uuid>/…
		const derived = await deletePrefix(c.env.MEDIA, derivedPrefix(key));
		await c.env.MEDIA.delete(key);
		const purged = await purgeAssetCaches(c.env, c.req.url, { id: asset.id, r2Key: key }, derived);
		const variants = await deleteVariants(c.env, purged);
		await db.delete(derivedFiles).where(eq(derivedFiles.assetId, asset.id));
		await db.delete(assets).where(eq(assets.id, asset.id));
		return c.json({ key, derivedDeleted: derived.length, variantsPurged: variants }, 200);
	});
