import { OpenAPIHono, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { apiRoute, signedIn, withRole } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { forgetSharedReads } from "../../lib/http/shared-reads";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { announceOrLog } from "../../webhooks/webhook-events";
import { cdnKeyFrom, mediaNotFound } from "../cdn-key";
import { deleteVariants, eraseAsset } from "../takedown/erase-asset";
import { purgeAssetCaches, purgeKeysAndVariants } from "./asset-cache-purge";

/** As many keys as Cloudflare's own purge-by-URL call takes at once. */
const MAX_PURGE_KEYS = 30;

const PurgeRequestSchema = z
	.object({
		keys: z
			.array(z.string().min(1).max(1024).openapi({ example: "2026/11/22/0190f1c4-6f1a-7c3e-9d2b-5b8e0c1a2b3c.jpg" }))
			.min(1)
			.max(MAX_PURGE_KEYS),
	})
	.openapi("PurgeRequest");

const PurgedSchema = z
	.object({ items: z.array(z.object({ key: z.string(), filesPurged: z.number().int(), variantsPurged: z.number().int() })) })
	.openapi("Purged");

/**
 * POST /cdn/cache/purge (admin) with `{"keys": [...]}`: drops every cached
 * copy of each original, its derived files and their variants (edge cache and
 * R2 variant store); the originals stay.
 *
 * The keys travel in the body, never in the path. URLs are normalised before
 * any Worker code runs (dot segments, `%2e%2e` included, by the local runtime
 * and by Cloudflare's edge), so the path-shaped `DELETE /cdn/cache/%2e%2e/<key>`
 * this replaced reached `DELETE /cdn/<key>` and deleted the asset. A key in a
 * JSON body is only ever a key: `../x` is a 400, not another route.
 */
const purge = apiRoute({
	method: "post",
	path: "/cdn/cache/purge",
	tags: ["cdn"],
	summary: "Purge every cached copy and variant of originals (admin); the originals stay",
	...withRole("admin", jsonBody()),
	request: { body: { required: true, ...jsonContent(PurgeRequestSchema) } },
	responses: { 200: { description: "Purged", ...jsonContent(PurgedSchema) }, ...problemResponses(400, 401, 403, 413, 415) },
});

/**
 * DELETE /api/assets/<id> (owner or admin): deletes the asset, its derived
 * files and its variants from R2, the index and the edge cache (edge-purge.ts
 * says how the cache is reached in production). It lives under /api, by id,
 * so /cdn has no destructive route a normalised media path could land on.
 */
const deleteAsset = apiRoute({
	method: "delete",
	path: "/api/assets/{id}",
	tags: ["cdn"],
	summary: "Delete an uploaded asset, its derived files and its variants (owner or admin)",
	...signedIn(),
	request: { params: z.object({ id: z.uuid() }) },
	responses: {
		200: {
			description: "Deleted",
			...jsonContent(z.object({ key: z.string(), derivedDeleted: z.number().int(), variantsPurged: z.number().int() })),
		},
		...problemResponses(400, 401, 403, 404),
	},
});

export const purgeRoutes = new OpenAPIHono<AppEnv>()
	.openapi(purge, async (c) => {
		const keys = c.req.valid("json").keys.map(cdnKeyFrom);
		const items = [];
		for (const key of keys) {
			const asset = await mediaDb(c.env).query.assets.findFirst({ where: eq(assets.r2Key, key), columns: { id: true, r2Key: true } });
			// An asset's whole family (derived files and their variants); a lone file just itself and its variants.
			const purged = asset ? await purgeAssetCaches(c.env, c.req.url, asset) : await purgeKeysAndVariants(c.env, c.req.url, [key]);
			items.push({ key, filesPurged: purged.length, variantsPurged: await deleteVariants(c.env, purged) });
		}
		return c.json({ items }, 200);
	})
	.openapi(deleteAsset, async (c) => {
		const db = mediaDb(c.env);
		const asset = await db.query.assets.findFirst({
			where: eq(assets.id, c.req.valid("param").id),
			columns: { id: true, ownerId: true, r2Key: true, kind: true },
		});
		if (!asset) throw mediaNotFound();
		const auth = c.var.auth;
		if (auth.sub !== asset.ownerId && auth.role !== "admin")
			throw new HttpProblem(403, "forbidden", "Only the owner or an admin may delete this.");
		const { derivedDeleted, variantsPurged } = await eraseAsset(c.env, c.req.url, asset);
		// A reel or an avatar that showed it is told differently from now on.
		forgetSharedReads(c);
		if (asset.kind === "video") {
			await announceOrLog(c.env, {
				ownerId: asset.ownerId,
				type: "video.deleted",
				subjectId: asset.id,
				data: { id: asset.id, status: "deleted" },
			});
		}
		return c.json({ key: asset.r2Key, derivedDeleted, variantsPurged }, 200);
	});
