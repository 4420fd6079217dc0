import { env } from "cloudflare:workers";
import { mediaDb } from "../lib/media-db/media-db";
import { type AssetStatus, assets } from "../lib/media-db/schema";

/** Puts `bytes` in R2 and a matching asset row in D1, as an upload would. */
export async function seedVideoAsset(bytes: Uint8Array, status: AssetStatus = "queued") {
	const id = crypto.randomUUID();
	const key = `2026/11/22/${id}.mp4`;
	await env.MEDIA.put(key, bytes, { httpMetadata: { contentType: "video/mp4" } });
	const now = new Date().toISOString();
	await mediaDb(env).insert(assets).values({
		id,
		ownerId: crypto.randomUUID(),
		kind: "video",
		status,
		r2Key: key,
		contentType: "video/mp4",
		bytes: bytes.length,
		createdAt: now,
		updatedAt: now,
	});
	return { id, key };
}
