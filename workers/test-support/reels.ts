import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { mediaDb } from "../lib/media-db/media-db";
import { assets, derivedFiles } from "../lib/media-db/schema";
import { closeQuietly, connect } from "../lib/postgres/connect";
import { api, registerUser, type Session } from "./api";
import { seedAsset } from "./assets";
import { sampleVideo } from "./media";

export type Reel = {
	id: string;
	caption: string;
	hashtags: string[];
	likeCount: number;
	commentCount: number;
	viewCount: number;
	liked: boolean;
	hidden: boolean;
	author: { id: string; name: string };
	video: { id: string; status: string; hls: string | null };
};

/** A video asset of `owner` in D1 and R2 (as an upload leaves it), in `status`. */
export const videoOf = (owner: Session, status: "queued" | "ready" = "ready") =>
	seedAsset({ bytes: sampleVideo(), kind: "video", status, ownerId: owner.user.id });

/**
 * A ready video of `owner` with playable files, as the transcoder leaves one: a
 * master playlist and a poster in R2, listed in derived_files (so reels link them).
 */
export async function playableVideoOf(owner: Session) {
	const video = await videoOf(owner);
	const prefix = video.key.slice(0, -".mp4".length);
	const now = new Date().toISOString();
	for (const [path, role, contentType] of [
		["hls/master.m3u8", "manifest", "application/vnd.apple.mpegurl"],
		["poster.jpg", "poster", "image/jpeg"],
	] as const) {
		await env.MEDIA.put(`${prefix}/${path}`, `${path} of ${video.id}`);
		await mediaDb(env)
			.insert(derivedFiles)
			.values({ r2Key: `${prefix}/${path}`, assetId: video.id, role, contentType, bytes: 1, createdAt: now });
	}
	return { ...video, prefix };
}

/** Posts a reel on a fresh ready video of `owner`; returns the reel and the consistency token that makes it visible. */
export async function postReel(owner: Session, caption = "a reel"): Promise<Reel & { consistencyToken: string }> {
	const video = await videoOf(owner);
	const res = await api("/api/reels", { method: "POST", token: owner.accessToken, json: { video_id: video.id, caption } });
	if (res.status !== 201) throw new Error(`posting a reel failed: ${res.status} ${await res.text()}`);
	return { ...((await res.json()) as Reel), consistencyToken: res.headers.get("x-consistency-token") ?? "" };
}

/** Headers that make a read see the write that returned `consistencyToken`. */
export const sawWrite = (consistencyToken: string) => ({ "x-consistency-token": consistencyToken });

/**
 * Headers that make a read see every write made so far, by the API or straight into
 * the database: the primary's current WAL position as a consistency token.
 */
export async function seenAll(): Promise<Record<string, string>> {
	const client = await connect(env.HYPERDRIVE, "primary", 2000);
	try {
		const { rows } = await client.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
		return sawWrite(rows[0]?.lsn ?? "0/0");
	} finally {
		await closeQuietly(client);
	}
}

export const json = async <T>(res: Response) => (await res.json()) as T;

/** A registered user with a display name unique to this run (search tests match on names). */
export const person = (name = "Person") => registerUser(`${name} ${crypto.randomUUID().slice(0, 8)}`);

export const setVideoStatus = (assetId: string, status: "ready" | "failed") =>
	mediaDb(env).update(assets).set({ status }).where(eq(assets.id, assetId));
