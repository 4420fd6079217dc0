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
		.values({ id, ownerId, kind, status, r2Key: key, contentType, bytes: bytes.length, createdAt: now, updatedAt: now });
	return { id, key };
}

export const seedVideoAsset = (bytes: Uint8Array, status: AssetStatus = "queued") => seedAsset({ bytes, kind: "video", status });
