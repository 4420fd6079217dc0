// Every write to D1's `assets` table, named for the step of an asset's life it
// is, so the whole lifecycle reads in one place:
//
//   uploading ─▶ queued ─▶ processing (a transcode's lease) ─▶ ready
//        │          (an image is ready on arrival)     └──────▶ failed
//        └─▶ failed (abandoned, terminated)          playable_at: watchable while processing
//
// plus who may read it (`access`) and its deletion. Builders are returned
// unawaited where a caller batches them with its own table's write (tus
// sessions, live streams). The writes the storage quota guards (a row created
// within the quota, a recording's growth) are `cdn/upload/storage-quota.ts`'s,
// since their condition is the quota itself.
import { and, eq, gt, inArray, isNull, lt, notInArray, or, sql } from "drizzle-orm";
import type { MediaDb } from "./media-db";
import { assets } from "./schema";

type Asset = typeof assets.$inferSelect;

/** Now, as SQLite writes it (the same text as `toISOString()`). */
export const nowSql = () => sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
const isoIn = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

type NewAsset = typeof assets.$inferInsert;

/** A new row (a tus upload's first chunk, a live recording); a repeat of the same id is no error when `ifNew`. */
export const insertAsset = (db: MediaDb, row: NewAsset, { ifNew = false } = {}) => {
	const insert = db.insert(assets).values(row);
	return ifNew ? insert.onConflictDoNothing() : insert;
};

/** A single-request upload arrived whole: the reservation settles to what arrived; an image is ready, a video queued. */
export const settleUpload = (
	db: MediaDb,
	id: string,
	settled: Pick<Asset, "bytes" | "checksum" | "width" | "height" | "title" | "caption"> & { kind: "image" | "video" },
) => {
	const { kind, ...columns } = settled;
	return db
		.update(assets)
		.set({ status: kind === "image" ? "ready" : "queued", ...columns, updatedAt: new Date().toISOString() })
		.where(eq(assets.id, id));
};

/**
 * A clip's reserved row (api/videos/clip-route.ts) becomes a queued video of its parent's range, as
 * settleUpload makes an upload one. Throws when the range already has a clip (assets_clip_range).
 */
export const queueClip = (
	db: MediaDb,
	id: string,
	clip: Pick<Asset, "width" | "height" | "title" | "caption" | "clipOf" | "clipStartMs" | "clipEndMs">,
) =>
	db
		.update(assets)
		.set({ status: "queued", ...clip, updatedAt: new Date().toISOString() })
		.where(eq(assets.id, id));

/** A resumable upload's last chunk is in: the video waits for the transcoder. */
export const markQueued = (db: MediaDb, id: string) =>
	db.update(assets).set({ status: "queued", updatedAt: new Date().toISOString() }).where(eq(assets.id, id));

/** An upload given up, refused or abandoned: failed, and holding no room. */
export const markUploadFailed = (db: MediaDb, id: string, error: string, at = new Date().toISOString()) =>
	db.update(assets).set({ status: "failed", error, bytes: 0, updatedAt: at }).where(eq(assets.id, id));

/**
 * Who holds an asset's lease: `<asset id>#<attempt>#<message id>`. A later
 * attempt of the job takes the lease over from an earlier one by its attempt
 * number (`message.attempts`, from 1), which needs nothing of the message id,
 * since nothing promises that id stays the same across retries. The id only
 * tells two concurrent duplicates of one attempt apart, so just one of them runs.
 */
export const leaseOwnerOf = (assetId: string, attempt: number, messageId: string) => `${assetId}#${attempt}#${messageId}`;

/** SQL: the lease is held by an earlier attempt of the same asset's job than `owner`. */
function earlierAttemptOf(owner: string) {
	const [assetId, attemptText] = owner.split("#");
	const attempt = Number(attemptText);
	if (!assetId || !Number.isInteger(attempt)) return sql`false`;
	// SQLite's CAST reads the leading integer of "3#<id>".
	return sql`(${assets.leaseOwner} LIKE ${`${assetId}#%`} AND CAST(substr(${assets.leaseOwner}, ${assetId.length + 2}) AS INTEGER) < ${attempt})`;
}

/**
 * Takes the asset's transcode lease for `leaseSeconds`: from a waiting state, when nobody holds it
 * (or it lapsed, or an earlier attempt of this job holds it), and while its owner has fewer than
 * `perUser` other videos transcoding. True when this delivery holds it now.
 */
export async function takeLease(
	db: MediaDb,
	asset: { id: string; ownerId: string },
	owner: string,
	{ perUser, leaseSeconds }: { perUser: number; leaseSeconds: number },
): Promise<boolean> {
	const now = new Date().toISOString();
	const others = db.$count(
		assets,
		and(
			eq(assets.ownerId, asset.ownerId),
			sql`${assets.id} != ${asset.id}`,
			eq(assets.status, "processing"),
			gt(assets.leaseExpiresAt, now),
		),
	);
	const taken = await db
		.update(assets)
		.set({ status: "processing", leaseOwner: owner, leaseExpiresAt: isoIn(leaseSeconds), updatedAt: nowSql() })
		.where(
			and(
				eq(assets.id, asset.id),
				inArray(assets.status, ["uploaded", "queued", "processing"]),
				or(
					isNull(assets.leaseOwner),
					eq(assets.leaseOwner, owner),
					lt(assets.leaseExpiresAt, now),
					// An earlier attempt of this job: Queues redeliver only once that attempt's invocation is over.
					earlierAttemptOf(owner),
				),
				sql`(${others}) < ${perUser}`,
			),
		)
		.returning({ id: assets.id });
	return taken.length === 1;
}

/** Gives the asset back to the queue's next delivery. */
export const releaseLease = (db: MediaDb, id: string, owner: string) =>
	db
		.update(assets)
		.set({ status: "queued", leaseOwner: null, leaseExpiresAt: null, updatedAt: nowSql() })
		.where(and(eq(assets.id, id), eq(assets.status, "processing"), eq(assets.leaseOwner, owner)));

/** What the transcoder's probe found. */
export const recordProbe = (
	db: MediaDb,
	id: string,
	{ width, height, durationMs }: { width: number; height: number; durationMs: number },
) => db.update(assets).set({ width, height, durationMs, updatedAt: nowSql() }).where(eq(assets.id, id));

/** Progress, renewing the lease: false when this delivery no longer holds it (or the asset is gone). */
export async function renewLease(db: MediaDb, id: string, owner: string, progress: number, leaseSeconds: number): Promise<boolean> {
	const renewed = await db
		.update(assets)
		.set({ progress: Math.round(progress * 100) / 100, leaseExpiresAt: isoIn(leaseSeconds), updatedAt: nowSql() })
		.where(and(eq(assets.id, id), eq(assets.leaseOwner, owner)))
		.returning({ id: assets.id });
	return renewed.length > 0;
}

/** Watchable before it is ready (progressive publishing), once, under this delivery's lease: true when this call marked it. */
export async function markPlayable(db: MediaDb, id: string, owner: string): Promise<boolean> {
	const marked = await db
		.update(assets)
		.set({ playableAt: nowSql(), updatedAt: nowSql() })
		.where(and(eq(assets.id, id), eq(assets.status, "processing"), eq(assets.leaseOwner, owner), isNull(assets.playableAt)))
		.returning({ id: assets.id });
	return marked.length > 0;
}

/** Ready, only from `processing` under this delivery's lease. */
export const markReady = (db: MediaDb, id: string, owner: string) =>
	db
		.update(assets)
		.set({ status: "ready", progress: 1, error: null, errorCode: null, leaseOwner: null, leaseExpiresAt: null, updatedAt: nowSql() })
		.where(and(eq(assets.id, id), eq(assets.status, "processing"), eq(assets.leaseOwner, owner)));

/** Failed, unless it already reached an end state. */
/** `trim`: the source is kept until `until` so a clip of at most `maxMs` can be made of it (transcoder/trimmable-originals.ts). */
export const markFailed = (
	db: MediaDb,
	id: string,
	code: string,
	error: string,
	trim?: { durationMs: number; maxMs: number; until: string },
) =>
	db
		.update(assets)
		.set({
			status: "failed",
			errorCode: code,
			error,
			leaseOwner: null,
			leaseExpiresAt: null,
			updatedAt: nowSql(),
			...(trim ? { durationMs: trim.durationMs, trimMaxMs: trim.maxMs, trimUntil: trim.until } : {}),
		})
		.where(and(eq(assets.id, id), notInArray(assets.status, ["ready", "failed"])));

/** A failed video's bytes are gone: it holds no room in the quota. */
export const releaseBytes = (db: MediaDb, id: string) => db.update(assets).set({ bytes: 0 }).where(eq(assets.id, id));

/** A live recording went live: watchable from `at`. */
export const markRecordingPlayable = (db: MediaDb, id: string, at: string) =>
	db.update(assets).set({ playableAt: at, updatedAt: at }).where(eq(assets.id, id));

/** A live stream ended: its recording is a ready video, or (nothing published) a failed one. */
export const markRecordingEnded = (
	db: MediaDb,
	id: string,
	at: string,
	end: { recording: { durationMs: number; width: number | null; height: number | null } | null; reason: string },
) =>
	end.recording
		? db
				.update(assets)
				.set({ status: "ready", progress: 1, ...end.recording, playableAt: sql`coalesce(${assets.playableAt}, ${at})`, updatedAt: at })
				.where(eq(assets.id, id))
		: db
				.update(assets)
				.set({ status: "failed", error: "the stream ended before any video was published", errorCode: end.reason, updatedAt: at })
				.where(eq(assets.id, id));

/** Who may read its bytes (cdn/signing/media-access.ts): one asset, or every asset of an account. */
export const setAccess = (db: MediaDb, which: { id: string } | { ownerId: string }, access: Asset["access"]) =>
	db
		.update(assets)
		.set({ access })
		.where("id" in which ? eq(assets.id, which.id) : eq(assets.ownerId, which.ownerId));

/** The row itself (cdn/takedown/erase-asset.ts erases its bytes first; a refused upload had none kept). */
export const deleteAssetRow = (db: MediaDb, id: string) => db.delete(assets).where(eq(assets.id, id));
