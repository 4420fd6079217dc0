// The D1 side of resumable uploads, in one place: the `upload_sessions` rows and the asset each
// one becomes. tus-routes.ts speaks the protocol and R2; every statement it needs is here.
import { and, count, eq } from "drizzle-orm";
import { insertAsset, markQueued, markUploadFailed } from "../../lib/media-db/asset-store";
import { mediaDb } from "../../lib/media-db/media-db";
import { type UploadSession, uploadSessions } from "../../lib/media-db/schema";

const now = () => new Date().toISOString();

/** Session `id` of `ownerId`, or undefined. */
export const findSession = (env: Env, id: string, ownerId: string): Promise<UploadSession | undefined> =>
	mediaDb(env).query.uploadSessions.findFirst({ where: and(eq(uploadSessions.id, id), eq(uploadSessions.ownerId, ownerId)) });

/** How many uploads `ownerId` has open. */
export async function openSessionCount(env: Env, ownerId: string): Promise<number> {
	const [row] = await mediaDb(env)
		.select({ n: count() })
		.from(uploadSessions)
		.where(and(eq(uploadSessions.ownerId, ownerId), eq(uploadSessions.status, "uploading")));
	return row?.n ?? 0;
}

/**
 * The asset a session becomes once its first chunk says what it is. Two racing first chunks may
 * both get here; the offset's compare-and-set picks one, so the row is written once and a repeat
 * is not an error.
 */
export async function recordUploadingAsset(env: Env, s: UploadSession, stored: { key: string; contentType: string }): Promise<void> {
	const t = now();
	await insertAsset(
		mediaDb(env),
		{
			id: s.id,
			ownerId: s.ownerId,
			kind: "video",
			status: "uploading",
			// A video is seen through signed URLs until it is in a public reel (cdn/signing/media-access.ts).
			access: "signed",
			r2Key: stored.key,
			contentType: stored.contentType,
			bytes: s.uploadLength,
			title: null,
			caption: null,
			createdAt: t,
			updatedAt: t,
		},
		{ ifNew: true },
	);
}

/** Compare-and-set on the offset: true when this request moved the upload from `from` to `to`. */
export async function advanceOffset(
	env: Env,
	s: UploadSession,
	from: number,
	change: { to: number; parts: UploadSession["parts"]; r2Key: string; r2UploadId: string },
): Promise<boolean> {
	const advanced = await mediaDb(env)
		.update(uploadSessions)
		.set({ uploadOffset: change.to, parts: change.parts, r2Key: change.r2Key, r2UploadId: change.r2UploadId, updatedAt: now() })
		.where(and(eq(uploadSessions.id, s.id), eq(uploadSessions.uploadOffset, from), eq(uploadSessions.status, "uploading")))
		.returning({ id: uploadSessions.id });
	return advanced.length > 0;
}

/** The last chunk is in: the session is complete and its asset waits for the transcoder. */
export async function completeSession(env: Env, id: string): Promise<void> {
	const db = mediaDb(env);
	await db.batch([
		db.update(uploadSessions).set({ status: "complete", updatedAt: now() }).where(eq(uploadSessions.id, id)),
		markQueued(db, id),
	]);
}

/** Given up (or refused): the session is over, and its asset, if any, failed and holds no room. */
export async function terminateSessionRows(env: Env, id: string, error = "upload_terminated"): Promise<void> {
	const db = mediaDb(env);
	await db.batch([
		db.update(uploadSessions).set({ status: "terminated", updatedAt: now() }).where(eq(uploadSessions.id, id)),
		markUploadFailed(db, id, error),
	]);
}
