import { env } from "cloudflare:workers";
import { mediaDb } from "../lib/media-db/media-db";
import { type AssetStatus, assets } from "../lib/media-db/schema";

const TYPES = { image: { ext: "jpg", contentType: "image/jpeg" }, video: { ext: "mp4", contentType: "video/mp4" } } as const;

/** Puts `bytes` in R2 and a matching asset row in D1, as an upload would. */
export async function seedAsset({
	bytes,
	kind,
	ownerId = crypto.randomUUID(),
	status = "ready",
}: {
	bytes: Uint8Array;
	kind: "image" | "video";
	ownerId?: string;
	status?: AssetStatus;
}) {
	const id = crypto.randomUUID();
	const { ext, contentType } = TYPES[kind];
	const key = `2026/11/22/${id}.${ext}`;
	await env.MEDIA.put(key, bytes, { httpMetadata: { contentType } });
	const now = new Date().toISOString();
	await mediaDb(env)
		.insert(assets)
		.values({
			id,
			ownerId,
			kind,
			status,
			r2Key: key,
			contentType,
			bytes: bytes.length,
			access: kind === "image" ? "public" : "signed",
			createdAt: now,
			updatedAt: now,
		});
	return { id, key };
}

export const seedVideoAsset = (bytes: Uint8Array, status: AssetStatus = "queued") => seedAsset({ bytes, kind: "video", status });

/**
 * Puts `bytes` at `key` in R2 and gives it an owner: an asset row (id = the
 * key's uuid) with `access`, as the CDN serves only what an asset owns.
 */
export async function storeOwned(key: string, bytes: Uint8Array | string, access: "public" | "signed" | "blocked" = "public") {
	await env.MEDIA.put(key, bytes);
	const id = key.slice(11, 47);
	const now = new Date().toISOString();
	await mediaDb(env)
		.insert(assets)
		.values({
			id,
			ownerId: crypto.randomUUID(),
			kind: "image",
			status: "ready",
			r2Key: `${key.slice(0, 47)}.jpg`,
			contentType: "image/jpeg",
			bytes: 0,
			access,
			createdAt: now,
			updatedAt: now,
		})
		.onConflictDoNothing();
	return key;
}
