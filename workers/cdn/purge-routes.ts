import { eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../lib/app/app-env";
import { requireAuth, requireRole } from "../lib/auth/authenticate";
import { mediaDb } from "../lib/media-db/media-db";
import { assets, derivedFiles } from "../lib/media-db/schema";
import { HttpProblem } from "../lib/problems/http-problem";
import { cdnKeyFrom, deliveryCacheKey, derivedPrefix, mediaNotFound } from "./cdn-key";
import { purgeVariants } from "./image-variants";

/** Deletes every object under `prefix` (the files derived from an original), page by page. */
async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<number> {
	let deleted = 0;
	let cursor: string | undefined;
	do {
		const page = await bucket.list({ prefix, limit: 1000, ...(cursor ? { cursor } : {}) });
		if (page.objects.length > 0) await bucket.delete(page.objects.map((o) => o.key));
		deleted += page.objects.length;
		cursor = page.truncated ? page.cursor : undefined;
	} while (cursor);
	return deleted;
}

/**
 * DELETE /cdn/cache/<key> (admin): drops every cached copy of an original and
 * its variants (edge cache and R2 variant store). DELETE /cdn/<key> (owner or
 * admin): deletes the asset, its derived files and its variants. Mounted before
 * the delivery route; the app puts the request stack in front of both.
 */
export const purgeRoutes = new Hono<AppEnv>()
	.delete("/cdn/cache/*", requireRole("admin"), async (c) => {
		const key = cdnKeyFrom(c.req.path.slice("/cdn/cache/".length));
		const variants = await purgeVariants(c.env, key);
		await caches.default.delete(deliveryCacheKey(c.req.url, key));
		return c.json({ key, variantsPurged: variants }, 200);
	})
	.delete("/cdn/*", requireAuth(), async (c) => {
		const key = cdnKeyFrom(c.req.path.slice("/cdn/".length));
		const db = mediaDb(c.env);
		const asset = await db.query.assets.findFirst({ where: eq(assets.r2Key, key), columns: { id: true, ownerId: true } });
		if (!asset) throw mediaNotFound();
		const auth = c.var.auth;
		if (auth.sub !== asset.ownerId && auth.role !== "admin")
			throw new HttpProblem(403, "forbidden", "Only the owner or an admin may delete this.");
		// Derived files live under the original's key without its extension: YYYY/MM/DD/<uuid>/…
		const derived = await deletePrefix(c.env.MEDIA, derivedPrefix(key));
		await c.env.MEDIA.delete(key);
		const variants = await purgeVariants(c.env, key);
		await caches.default.delete(deliveryCacheKey(c.req.url, key));
		await db.delete(derivedFiles).where(eq(derivedFiles.assetId, asset.id));
		await db.delete(assets).where(eq(assets.id, asset.id));
		return c.json({ key, derivedDeleted: derived, variantsPurged: variants }, 200);
	});
