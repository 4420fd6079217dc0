// Every read and write of D1's `captions` and `caption_manifests`
// (migrations/d1/0011_captions.sql). A change to a video's tracks holds the
// video's lock, takes a new revision with it, lists the new tracks and
// manifests in one batch only if the lock is still its own, and frees the lock
// once what follows the commit is done.
import { asc, eq, sql } from "drizzle-orm";
import { nowSql } from "./asset-store";
import type { MediaDb } from "./media-db";
import { type CaptionRow, captionManifests, captions } from "./schema";

/** Long enough for the slowest change (a few R2 writes); a change that died frees the video after it. */
const LOCK_SECONDS = 60;

export const captionRows = (db: MediaDb, assetId: string) =>
	db.select().from(captions).where(eq(captions.assetId, assetId)).orderBy(asc(captions.lang));

export interface CaptionState {
	rows: CaptionRow[];
	manifests: { hlsKey: string | null; dashKey: string | null } | undefined;
}

/** The tracks and the manifests that list them, in one round trip. */
export async function captionState(db: MediaDb, assetId: string): Promise<CaptionState> {
	const [rows, manifests] = await db.batch([
		captionRows(db, assetId),
		db
			.select({ hlsKey: captionManifests.hlsKey, dashKey: captionManifests.dashKey })
			.from(captionManifests)
			.where(eq(captionManifests.assetId, assetId)),
	]);
	return { rows, manifests: manifests[0] };
}

/**
 * The video's lock and a new revision, or null while another change holds it. One statement, so
 * two changes that ask at once cannot both get it.
 */
export async function takeCaptionLock(db: MediaDb, assetId: string): Promise<number | null> {
	const until = new Date(Date.now() + LOCK_SECONDS * 1000).toISOString();
	const rows = await db.all<{ rev: number }>(sql`
		INSERT INTO caption_manifests (asset_id, rev, lock_until, updated_at) VALUES (${assetId}, 1, ${until}, ${nowSql()})
		ON CONFLICT (asset_id) DO UPDATE SET rev = rev + 1, lock_until = excluded.lock_until, updated_at = excluded.updated_at
		WHERE lock_until IS NULL OR lock_until < ${nowSql()}
		RETURNING rev`);
	return rows[0]?.rev ?? null;
}

/** Frees the lock, if it is still this change's. */
export const releaseCaptionLock = (db: MediaDb, assetId: string, rev: number) =>
	db.run(sql`UPDATE caption_manifests SET lock_until = NULL WHERE asset_id = ${assetId} AND rev = ${rev}`);

/** The lock is still held by revision `rev` (bound as ?1 = asset, ?2 = rev): every statement of a commit carries this condition. */
const STILL_MINE = "EXISTS (SELECT 1 FROM caption_manifests WHERE asset_id = ?1 AND rev = ?2 AND lock_until IS NOT NULL)";
const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

export type NewCaption = Omit<CaptionRow, "createdAt" | "updatedAt">;

/**
 * Ends a change in one batch (one transaction): the track written (`put`) or removed
 * (`removed`), and the manifests that now list the tracks. Nothing is written unless the lock is
 * still revision `rev`'s; returns whether it was. D1's own statements, since drizzle batches no
 * INSERT ... SELECT ... WHERE.
 */
export async function commitCaptions(
	db: MediaDb,
	assetId: string,
	rev: number,
	change: { put: NewCaption } | { removed: string },
	manifests: { hlsKey: string | null; dashKey: string | null },
): Promise<boolean> {
	const d1 = db.$client;
	const write =
		"put" in change
			? d1
					.prepare(
						`INSERT INTO captions (asset_id, lang, label, generated, rev, vtt_key, playlist_key, bytes, cue_count, spoken, created_at, updated_at)
						SELECT ?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ${NOW}, ${NOW} WHERE ${STILL_MINE}
						ON CONFLICT (asset_id, lang) DO UPDATE SET label = excluded.label, generated = excluded.generated, rev = excluded.rev,
							vtt_key = excluded.vtt_key, playlist_key = excluded.playlist_key, bytes = excluded.bytes,
							cue_count = excluded.cue_count, spoken = excluded.spoken, updated_at = excluded.updated_at`,
					)
					.bind(
						assetId,
						rev,
						change.put.lang,
						change.put.label,
						change.put.generated ? 1 : 0,
						change.put.rev,
						change.put.vttKey,
						change.put.playlistKey,
						change.put.bytes,
						change.put.cueCount,
						change.put.spoken,
					)
			: d1.prepare(`DELETE FROM captions WHERE asset_id = ?1 AND lang = ?3 AND ${STILL_MINE}`).bind(assetId, rev, change.removed);
	const [, listed] = await d1.batch([
		write,
		d1
			.prepare(
				`UPDATE caption_manifests SET hls_key = ?3, dash_key = ?4, updated_at = ${NOW}
				WHERE asset_id = ?1 AND rev = ?2 AND lock_until IS NOT NULL`,
			)
			.bind(assetId, rev, manifests.hlsKey, manifests.dashKey),
	]);
	return listed?.meta.changes === 1;
}

/** What search keeps of a video's tracks together (each track's own text is capped when written). */
const SPOKEN_TOTAL_MAX = 16_000;

/** What a video's caption tracks say, for the search index of the reel on it. */
export async function spokenText(db: MediaDb, assetId: string): Promise<string> {
	const rows = await db.select({ spoken: captions.spoken }).from(captions).where(eq(captions.assetId, assetId)).orderBy(asc(captions.lang));
	return rows
		.map((r) => r.spoken)
		.join(" ")
		.slice(0, SPOKEN_TOTAL_MAX);
}

/** Every R2 key the caption tables point at: what purging an asset's caches must include. */
export async function captionKeys(db: MediaDb, assetId: string): Promise<string[]> {
	const { rows, manifests } = await captionState(db, assetId);
	return [...rows.flatMap((r) => [r.vttKey, r.playlistKey]), ...[manifests?.hlsKey, manifests?.dashKey].filter((k): k is string => !!k)];
}

/** Forgets an asset's tracks (its files go with its R2 prefix). */
export const deleteCaptionRows = (db: MediaDb, assetId: string) => [
	db.delete(captions).where(eq(captions.assetId, assetId)),
	db.delete(captionManifests).where(eq(captionManifests.assetId, assetId)),
];
