// Each user's stored bytes are bounded (STORAGE_QUOTA_BYTES_PER_USER): an
// account cannot fill the bucket, and the bill, however many uploads it makes.
//
// Usage is every asset's `bytes` in D1, whatever its status (a failed video's
// bytes count until they are deleted, which transcode-outcome.ts does at once,
// setting `bytes` to 0; a live recording's grow as its segments are published),
// plus what was derived from them (renditions, posters, thumbnails: a few MB of
// near-still source can become a ladder of hundreds), plus the declared length
// of resumable uploads that have no asset row yet. A recording's segments are
// counted in its own `bytes` as they are published, so its derived rows are not
// counted again. One transcode per user at a time (TRANSCODE_JOBS_PER_USER)
// bounds how far a ladder being written can take an account past its quota:
// one video's ladder, after which its uploads are refused.
//
// Room is taken, not just checked: an upload reserves its bytes with one
// conditional INSERT (D1 runs one statement at a time, so two uploads in
// parallel cannot both see the same free room), then settles to what arrived.
import { configOf } from "../../lib/config/config";
import { HttpProblem } from "../../lib/problems/http-problem";

export const storageQuotaExceeded = (quota: number) =>
	new HttpProblem(413, "storage_quota_exceeded", `Your uploads are limited to ${quota} bytes in all; delete some to make room.`);

/** The owner's usage as one SQL expression, for reading and for conditional inserts (`?1` is the owner). */
const USAGE_SQL = `((SELECT coalesce(sum(bytes), 0) FROM assets WHERE owner_id = ?1)
	+ (SELECT coalesce(sum(d.bytes), 0) FROM assets a JOIN derived_files d ON d.asset_id = a.id
	   WHERE a.owner_id = ?1 AND NOT EXISTS (SELECT 1 FROM live_streams l WHERE l.asset_id = a.id))
	+ (SELECT coalesce(sum(s.upload_length), 0) FROM upload_sessions s
	   WHERE s.owner_id = ?1 AND s.status = 'uploading' AND NOT EXISTS (SELECT 1 FROM assets a WHERE a.id = s.id)))`;

export interface StorageUsage {
	usedBytes: number;
	quotaBytes: number;
}

export async function storageUsage(env: Env, ownerId: string): Promise<StorageUsage> {
	const row = await env.MEDIA_DB.prepare(`SELECT ${USAGE_SQL} AS used`).bind(ownerId).first<{ used: number }>();
	return { usedBytes: Number(row?.used ?? 0), quotaBytes: configOf(env).STORAGE_QUOTA_BYTES_PER_USER };
}

/** Bytes `ownerId` may still store; a 413 when there is no room left at all. */
export async function remainingStorage(env: Env, ownerId: string): Promise<number> {
	const { usedBytes, quotaBytes } = await storageUsage(env, ownerId);
	const left = quotaBytes - usedBytes;
	if (left <= 0) throw storageQuotaExceeded(quotaBytes);
	return left;
}

export interface AssetReservation {
	id: string;
	ownerId: string;
	kind: "image" | "video";
	r2Key: string;
	contentType: string;
	access: "public" | "signed";
	/** The most the upload may store: what it holds of the owner's room until it settles. */
	bytes: number;
}

/**
 * Writes the asset's row in status `uploading`, holding `bytes` of the owner's room, if that
 * fits; a 413 otherwise. The row is the reservation: settle it (settleAsset) or delete it.
 */
export async function reserveAsset(env: Env, r: AssetReservation): Promise<void> {
	const quota = configOf(env).STORAGE_QUOTA_BYTES_PER_USER;
	const t = new Date().toISOString();
	const result = await env.MEDIA_DB.prepare(
		`INSERT INTO assets (id, owner_id, kind, status, access, r2_key, content_type, bytes, created_at, updated_at)
		 SELECT ?2, ?1, ?3, 'uploading', ?4, ?5, ?6, ?7, ?8, ?8 WHERE ${USAGE_SQL} + ?7 <= ?9`,
	)
		.bind(r.ownerId, r.id, r.kind, r.access, r.r2Key, r.contentType, r.bytes, t, quota)
		.run();
	if (!result.meta.changes) throw storageQuotaExceeded(quota);
}

/**
 * Opens a resumable upload's session holding `uploadLength` of the owner's room, if that fits;
 * a 413 otherwise. Upload-Length is binding (a PATCH past it is refused), so the room is exact.
 */
export async function reserveUploadSession(
	env: Env,
	s: { id: string; ownerId: string; uploadLength: number; metadata: string; filename: string | null; maxDurationS?: number | null },
): Promise<void> {
	const quota = configOf(env).STORAGE_QUOTA_BYTES_PER_USER;
	const t = new Date().toISOString();
	const result = await env.MEDIA_DB.prepare(
		`INSERT INTO upload_sessions (id, owner_id, upload_length, upload_offset, metadata, filename, parts, status, created_at, updated_at, max_duration_s)
		 SELECT ?2, ?1, ?3, 0, ?4, ?5, '[]', 'uploading', ?6, ?6, ?8 WHERE ${USAGE_SQL} + ?3 <= ?7`,
	)
		.bind(s.ownerId, s.id, s.uploadLength, s.metadata, s.filename, t, quota, s.maxDurationS ?? null)
		.run();
	if (!result.meta.changes) throw storageQuotaExceeded(quota);
}

/**
 * Adds `bytes` to a live recording's size if the owner has room for them; false (and nothing
 * added) when that would pass the quota, so the stream can end before storing them.
 */
export async function growAsset(env: Env, asset: { id: string; ownerId: string }, bytes: number): Promise<boolean> {
	const quota = configOf(env).STORAGE_QUOTA_BYTES_PER_USER;
	const result = await env.MEDIA_DB.prepare(
		`UPDATE assets SET bytes = bytes + ?3, updated_at = ?4 WHERE id = ?2 AND ${USAGE_SQL} + ?3 <= ?5`,
	)
		.bind(asset.ownerId, asset.id, bytes, new Date().toISOString(), quota)
		.run();
	return result.meta.changes > 0;
}
