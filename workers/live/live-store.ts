// live_streams and the recording's asset in D1: the one module that writes
// them. The API creates a stream (and its recording asset, an ordinary video
// the owner can post once the stream has ended) and rotates keys; everything
// after that is written by the stream's Durable Object.
import { and, desc, eq, inArray, isNotNull, lt, or, sql } from "drizzle-orm";
import { syncReelMedia } from "../api/reels/reel-media";
import { derivedPrefix, originalKeyFor } from "../cdn/cdn-key";
import { insertAsset, markRecordingEnded, markRecordingPlayable } from "../lib/media-db/asset-store";
import { type MediaDb, mediaDb } from "../lib/media-db/media-db";
import { assets, type LiveStreamRow, liveStreams, renditions } from "../lib/media-db/schema";
import { recordOutputs } from "../transcoder/publish-outputs";
import type { OutputFile, Rendition } from "../transcoder/transcoder-client";
import { announceOrLog } from "../webhooks/webhook-events";

/** What the Durable Object needs to know about its stream; it is handed this on the first connection. */
export interface LiveIdentity {
	streamId: string;
	ownerId: string;
	assetId: string;
	/** The recording's R2 prefix: `YYYY/MM/DD/<assetId>/`. */
	prefix: string;
}

const nowIso = () => new Date().toISOString();

/** The recording's placeholder original: it is never uploaded, but its key names the prefix the segments live under. */
const recordingKey = (assetId: string, now: Date) => originalKeyFor(assetId, "ts", now);

export async function createLiveStream(
	env: Env,
	s: { id: string; assetId: string; ownerId: string; title: string | null; keyHash: string },
): Promise<LiveStreamRow & { r2Key: string }> {
	const db = mediaDb(env);
	const now = new Date();
	const at = now.toISOString();
	const row = { id: s.id, ownerId: s.ownerId, assetId: s.assetId, keyHash: s.keyHash, title: s.title, status: "idle" as const };
	const r2Key = recordingKey(s.assetId, now);
	await db.batch([
		insertAsset(db, {
			id: s.assetId,
			ownerId: s.ownerId,
			kind: "video",
			status: "processing",
			r2Key,
			contentType: "video/mp2t",
			bytes: 0,
			title: s.title,
			createdAt: at,
			updatedAt: at,
		}),
		db.insert(liveStreams).values({ ...row, createdAt: at, updatedAt: at }),
	]);
	return { ...row, r2Key, endReason: null, durationMs: null, createdAt: at, startedAt: null, endedAt: null, updatedAt: at };
}

export async function findLiveStream(env: Env, id: string): Promise<(LiveStreamRow & { r2Key: string }) | undefined> {
	const [row] = await mediaDb(env)
		.select({ stream: liveStreams, r2Key: assets.r2Key })
		.from(liveStreams)
		.innerJoin(assets, eq(assets.id, liveStreams.assetId))
		.where(eq(liveStreams.id, id))
		.limit(1);
	return row && { ...row.stream, r2Key: row.r2Key };
}

export const identityOf = (row: LiveStreamRow & { r2Key: string }): LiveIdentity => ({
	streamId: row.id,
	ownerId: row.ownerId,
	assetId: row.assetId,
	prefix: derivedPrefix(row.r2Key),
});

/** Streams of this user still open (idle or live): each may hold an encoder, so they are capped. */
export async function openStreamsOf(env: Env, ownerId: string): Promise<number> {
	const [row] = await mediaDb(env)
		.select({ n: sql<number>`count(*)` })
		.from(liveStreams)
		.where(and(eq(liveStreams.ownerId, ownerId), inArray(liveStreams.status, ["idle", "live"])));
	return row?.n ?? 0;
}

/** Live streams, newest start first, after the keyset cursor `before`; with their recording's key, like findLiveStream. */
export async function listLive(
	env: Env,
	limit: number,
	before?: { startedAt: string; id: string },
): Promise<(LiveStreamRow & { r2Key: string })[]> {
	const rows = await mediaDb(env)
		.select({ stream: liveStreams, r2Key: assets.r2Key })
		.from(liveStreams)
		.innerJoin(assets, eq(assets.id, liveStreams.assetId))
		.where(
			and(
				eq(liveStreams.status, "live"),
				isNotNull(liveStreams.startedAt),
				before
					? or(lt(liveStreams.startedAt, before.startedAt), and(eq(liveStreams.startedAt, before.startedAt), lt(liveStreams.id, before.id)))
					: undefined,
			),
		)
		.orderBy(desc(liveStreams.startedAt), desc(liveStreams.id))
		.limit(limit);
	return rows.map((r) => ({ ...r.stream, r2Key: r.r2Key }));
}

/**
 * Deletes every stream row of `ownerId` (their account is being erased); returns the stream ids.
 * A stream still live notices on its object's next beat that its row is gone, stops and sweeps
 * what it published (durable-objects/live-stream.ts `deleted`); its recording is an asset of the
 * owner, erased with the rest.
 */
export async function deleteStreamsOf(env: Env, ownerId: string): Promise<string[]> {
	const gone = await mediaDb(env).delete(liveStreams).where(eq(liveStreams.ownerId, ownerId)).returning({ id: liveStreams.id });
	return gone.map((g) => g.id);
}

export async function setKeyHash(env: Env, id: string, keyHash: string): Promise<void> {
	await mediaDb(env).update(liveStreams).set({ keyHash, updatedAt: nowIso() }).where(eq(liveStreams.id, id));
}

/**
 * The first segments of every rung are in R2: the stream is live, and its recording is a playable
 * video (the live master and playlists are listed, so playback URLs can be built from D1 as for any video).
 */
export async function markLive(
	env: Env,
	who: LiveIdentity,
	files: Pick<OutputFile, "path" | "role" | "contentType" | "bytes">[],
	ladder: Rendition[],
): Promise<string> {
	const db = mediaDb(env);
	const at = nowIso();
	await recordOutputs(db, who.assetId, who.prefix, files, ladder);
	await db.batch([
		markRecordingPlayable(db, who.assetId, at),
		db
			.update(liveStreams)
			.set({ status: "live", startedAt: at, updatedAt: at })
			.where(and(eq(liveStreams.id, who.streamId), eq(liveStreams.status, "idle"))),
	]);
	// A reel already posted on the recording plays it from now on.
	await syncReelMedia(env, who.assetId);
	return at;
}

/** The stream is over. With a recording, its asset becomes a ready video; without one, a failed one. */
export async function markEnded(
	env: Env,
	who: LiveIdentity,
	end: {
		reason: string;
		recording: { files: Pick<OutputFile, "path" | "role" | "contentType" | "bytes">[]; ladder: Rendition[]; durationMs: number } | null;
	},
): Promise<void> {
	const db = mediaDb(env);
	const at = nowIso();
	const top = end.recording?.ladder[0];
	if (end.recording) await recordOutputs(db, who.assetId, who.prefix, end.recording.files, end.recording.ladder);
	await db.batch([
		markRecordingEnded(db, who.assetId, at, {
			reason: end.reason,
			recording: end.recording && { durationMs: end.recording.durationMs, width: top?.width ?? null, height: top?.height ?? null },
		}),
		db
			.update(liveStreams)
			.set({ status: "ended", endReason: end.reason, durationMs: end.recording?.durationMs ?? 0, endedAt: at, updatedAt: at })
			.where(eq(liveStreams.id, who.streamId)),
	]);
	// A reel posted on the recording (even while it was live) now shows the finished video.
	await syncReelMedia(env, who.assetId);
	await announceOrLog(env, {
		ownerId: who.ownerId,
		type: "live.ended",
		subjectId: who.streamId,
		data: {
			id: who.streamId,
			status: "ended",
			reason: end.reason,
			videoId: who.assetId,
			duration: end.recording ? end.recording.durationMs / 1000 : 0,
			recorded: end.recording !== null,
		},
	});
}

/** Whether the stream still exists: deleting its recording asset deletes it (ON DELETE CASCADE). */
export async function streamExists(db: MediaDb, streamId: string): Promise<boolean> {
	const row = await db.query.liveStreams.findFirst({ where: eq(liveStreams.id, streamId), columns: { id: true } });
	return row !== undefined;
}

/** The ladder recorded when the stream went live (for an end that has no encoder left to describe it). */
export async function recordedLadder(db: MediaDb, who: LiveIdentity): Promise<Rendition[]> {
	const rows = await db.select().from(renditions).where(eq(renditions.assetId, who.assetId));
	return rows.map((r) => ({
		width: r.width,
		height: r.height,
		bandwidth: r.bandwidth,
		codecs: r.codecs,
		playlist: r.playlistKey.slice(who.prefix.length),
	}));
}
