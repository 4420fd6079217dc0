// A video's cover in D1: its `poster` and `thumbnail` rows of derived_files.
// A new cover is listed in one batch that swaps both rows, and only if the
// rows are still the ones the change read and the video is not blocked: two
// changes at once cannot both land, and one cannot land on a video being
// taken down (whose files are swept once it is blocked).
import { and, eq, inArray } from "drizzle-orm";
import type { MediaDb } from "./media-db";
import { derivedFiles } from "./schema";

export interface CoverFiles {
	poster: string;
	thumbnail: string;
}

/** The video's current cover files, or null when it has none (not transcoded yet). */
export async function coverFiles(db: MediaDb, assetId: string): Promise<CoverFiles | null> {
	const rows = await db
		.select({ key: derivedFiles.r2Key, role: derivedFiles.role })
		.from(derivedFiles)
		.where(and(eq(derivedFiles.assetId, assetId), inArray(derivedFiles.role, ["poster", "thumbnail"])));
	const poster = rows.find((r) => r.role === "poster")?.key;
	const thumbnail = rows.find((r) => r.role === "thumbnail")?.key;
	return poster && thumbnail ? { poster, thumbnail } : null;
}

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/**
 * Lists `next` in place of `old`, in one transaction, if `old` is still listed and the video is not
 * blocked; returns whether it was. D1's own statements: drizzle batches no INSERT ... SELECT ... WHERE.
 */
export async function swapCover(
	db: MediaDb,
	assetId: string,
	old: CoverFiles,
	next: { poster: { key: string; bytes: number }; thumbnail: { key: string; bytes: number } },
): Promise<boolean> {
	const d1 = db.$client;
	// ?1 asset, ?2 old poster, ?3 old thumbnail.
	const unchanged = `(SELECT count(*) FROM derived_files WHERE asset_id = ?1 AND r2_key IN (?2, ?3)) = 2
		AND NOT EXISTS (SELECT 1 FROM assets WHERE id = ?1 AND access = 'blocked')`;
	const insert = (role: "poster" | "thumbnail", file: { key: string; bytes: number }) =>
		d1
			.prepare(
				`INSERT INTO derived_files (r2_key, asset_id, role, content_type, bytes, created_at)
				SELECT ?4, ?1, ?5, 'image/jpeg', ?6, ${NOW} WHERE ${unchanged}`,
			)
			.bind(assetId, old.poster, old.thumbnail, file.key, role, file.bytes);
	const [posterListed] = await d1.batch([
		insert("poster", next.poster),
		insert("thumbnail", next.thumbnail),
		// Only once the new rows are in (both inserts saw the same, unchanged state).
		d1
			.prepare(
				"DELETE FROM derived_files WHERE asset_id = ?1 AND r2_key IN (?2, ?3) AND EXISTS (SELECT 1 FROM derived_files WHERE r2_key = ?4)",
			)
			.bind(assetId, old.poster, old.thumbnail, next.poster.key),
	]);
	return posterListed?.meta.changes === 1;
}
