// Each user's stored bytes are bounded (STORAGE_QUOTA_BYTES_PER_USER): an
// account cannot fill the bucket, and the bill, however many uploads it makes.
// Usage is the sum of its assets' sizes in D1 (failed ones excluded: their
// bytes are gone or going); uploads stop at the remaining room while they stream.
import { and, eq, ne, sql } from "drizzle-orm";
import { configOf } from "../../lib/config/config";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";
import { HttpProblem } from "../../lib/problems/http-problem";

export const storageQuotaExceeded = (quota: number) =>
	new HttpProblem(413, "storage_quota_exceeded", `Your uploads are limited to ${quota} bytes in all; delete some to make room.`);

/** Bytes `ownerId` may still store; a 413 when there is no room left at all. */
export async function remainingStorage(env: Env, ownerId: string): Promise<number> {
	const quota = configOf(env).STORAGE_QUOTA_BYTES_PER_USER;
	const [row] = await mediaDb(env)
		.select({ used: sql<number>`coalesce(sum(${assets.bytes}), 0)` })
		.from(assets)
		.where(and(eq(assets.ownerId, ownerId), ne(assets.status, "failed")));
	const left = quota - Number(row?.used ?? 0);
	if (left <= 0) throw storageQuotaExceeded(quota);
	return left;
}
