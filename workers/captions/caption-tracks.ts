// Adding, replacing and removing a video's caption tracks. Each change holds
// the video's lock and has its own revision: it writes new files under new
// names (captions/<lang>-<rev>.vtt, its playlist, the manifests listing every
// track), lists them in D1 in one batch, and only then deletes and purges the
// track it replaced. So a player always finds whole files, every URL stays
// immutable (the edge and browsers may keep it for ever), and a change that
// fails half-way leaves the video as it was and no file behind.

import { and, eq } from "drizzle-orm";
import { cdnUrl, derivedPrefix } from "../cdn/cdn-key";
import type { CaptionLink } from "../cdn/delivery/video-playback";
import { purgeFromEdge } from "../cdn/purge/edge-purge";
import { captionCacheTagOf } from "../cdn/signing/media-access";
import {
	type CaptionState,
	captionState,
	commitCaptions,
	type NewCaption,
	releaseCaptionLock,
	takeCaptionLock,
} from "../lib/media-db/caption-store";
import { type MediaDb, mediaDb } from "../lib/media-db/media-db";
import { derivedFiles } from "../lib/media-db/schema";
import { logger } from "../lib/observability/logger";
import { HttpProblem } from "../lib/problems/http-problem";
import { type CaptionTrack, captionedMaster, captionedMpd, captionPlaylist, MAX_TRACKS } from "./caption-manifests";
import { type Cue, plainText, toWebVtt } from "./caption-text";

/** A ready video whose tracks change. */
export interface CaptionedVideo {
	id: string;
	r2Key: string;
	durationMs: number;
}

/** What search keeps of one track's words (the reel's search vector stays small). */
const SPOKEN_MAX = 8000;

const busy = () =>
	new HttpProblem(
		409,
		"caption_change_in_progress",
		"Another change to this video's captions is being made; try again in a moment.",
		{},
		{ "Retry-After": "2" },
	);

async function withLock<T>(db: MediaDb, assetId: string, change: (rev: number) => Promise<T>): Promise<T> {
	const rev = await takeCaptionLock(db, assetId);
	if (rev === null) throw busy();
	try {
		return await change(rev);
	} finally {
		// After the commit and whatever follows it (the reels' update), or after a failure.
		await releaseCaptionLock(db, assetId, rev);
	}
}

/** `../` for each folder between a manifest and the video's derived folder. */
const upFrom = (prefix: string, key: string) => "../".repeat(key.slice(prefix.length).split("/").length - 1);

/** The manifests listing `tracks`, written under revision `rev`; null keys when there is no track left. */
async function writeManifests(env: Env, db: MediaDb, video: CaptionedVideo, rev: number, tracks: CaptionTrack[]) {
	if (tracks.length === 0) return { hlsKey: null, dashKey: null };
	const prefix = derivedPrefix(video.r2Key);
	const bases = await db
		.select({ key: derivedFiles.r2Key })
		.from(derivedFiles)
		.where(and(eq(derivedFiles.assetId, video.id), eq(derivedFiles.role, "manifest")));
	const write = async (suffix: ".m3u8" | ".mpd") => {
		const base = bases.find((b) => b.key.endsWith(suffix))?.key;
		const object = base ? await env.MEDIA.get(base) : null;
		if (!base || !object) return null;
		const text = await object.text();
		const up = upFrom(prefix, base);
		const key = `${base.slice(0, -suffix.length)}-cc${rev}${suffix}`;
		let body: string;
		try {
			body = suffix === ".m3u8" ? captionedMaster(text, tracks, up) : captionedMpd(text, tracks, up);
		} catch (err) {
			// Not a manifest we can list tracks in: players keep the transcoder's own, the tracks are still in the API.
			logger.warn("caption_manifest_unwritable", { assetId: video.id, key: base, error: (err as Error).message });
			return null;
		}
		await env.MEDIA.put(key, body, {
			httpMetadata: { contentType: suffix === ".m3u8" ? "application/vnd.apple.mpegurl" : "application/dash+xml" },
		});
		return key;
	};
	const [hlsKey, dashKey] = await Promise.all([write(".m3u8"), write(".mpd")]);
	return { hlsKey, dashKey };
}

const trackOf = (prefix: string, row: Pick<NewCaption, "lang" | "label" | "vttKey" | "playlistKey" | "bytes">): CaptionTrack => ({
	lang: row.lang,
	label: row.label,
	vtt: row.vttKey.slice(prefix.length),
	playlist: row.playlistKey.slice(prefix.length),
	bytes: row.bytes,
});

/**
 * Lists `change` and manifests for `tracks`, then removes the files of the track it replaced or
 * removed (and purges their cached copies, by the captions' own tag: the video's segments stay
 * cached). The manifests it supersedes stay: they are a few hundred bytes, and a page, an embed or
 * a webhook receiver may still hold their URL (its removed track then fails alone, not the video);
 * they go with the video. `written`: this change's new files, removed if it fails before its
 * commit, so a failed change leaves nothing behind. If the lock was lost meanwhile (the change took
 * longer than the lock lasts) the caller gets 409.
 */
async function publish(
	env: Env,
	requestUrl: string,
	db: MediaDb,
	video: CaptionedVideo,
	rev: number,
	before: CaptionState,
	change: { put: NewCaption } | { removed: string },
	tracks: CaptionTrack[],
	written: string[],
): Promise<void> {
	let committed = false;
	try {
		const manifests = await writeManifests(env, db, video, rev, tracks);
		written.push(...[manifests.hlsKey, manifests.dashKey].filter((k): k is string => !!k));
		committed = await commitCaptions(db, video.id, rev, change, manifests);
	} finally {
		if (!committed) await env.MEDIA.delete(written);
	}
	if (!committed) throw busy();
	const lang = "put" in change ? change.put.lang : change.removed;
	const old = before.rows.find((r) => r.lang === lang);
	if (!old) return;
	const gone = [old.vttKey, old.playlistKey];
	await env.MEDIA.delete(gone);
	await purgeFromEdge(env, requestUrl, { keys: gone, tags: [captionCacheTagOf(old.vttKey)] });
}

/** Runs after the change is listed, still under the video's lock (the reels on it take the new URLs, in order). */
type AfterCommit = () => Promise<void>;

const tooMany = () => new HttpProblem(422, "too_many_captions", `A video has at most ${MAX_TRACKS} caption tracks; remove one first.`, {});

/** Adds or replaces the video's `lang` track with `cues`; returns how it is listed. */
export async function putCaptionTrack(
	env: Env,
	requestUrl: string,
	video: CaptionedVideo,
	track: { lang: string; label: string; generated: boolean; cues: Cue[] },
	afterCommit?: AfterCommit,
): Promise<CaptionLink & { created: boolean }> {
	const db = mediaDb(env);
	return withLock(db, video.id, async (rev) => {
		const before = await captionState(db, video.id);
		const created = !before.rows.some((r) => r.lang === track.lang);
		if (created && before.rows.length >= MAX_TRACKS) throw tooMany();
		const prefix = derivedPrefix(video.r2Key);
		const name = `${track.lang}-${rev}`;
		const vtt = toWebVtt(track.cues);
		const put: NewCaption = {
			assetId: video.id,
			lang: track.lang,
			label: track.label,
			generated: track.generated,
			rev,
			vttKey: `${prefix}captions/${name}.vtt`,
			playlistKey: `${prefix}captions/${name}.m3u8`,
			bytes: new TextEncoder().encode(vtt).byteLength,
			cueCount: track.cues.length,
			spoken: track.cues.map(plainText).join(" ").slice(0, SPOKEN_MAX),
		};
		const written = [put.vttKey, put.playlistKey];
		const tracks = [...before.rows.filter((r) => r.lang !== track.lang), put]
			.sort((a, b) => a.lang.localeCompare(b.lang))
			.map((r) => trackOf(prefix, r));
		try {
			await Promise.all([
				env.MEDIA.put(put.vttKey, vtt, { httpMetadata: { contentType: "text/vtt; charset=utf-8" } }),
				env.MEDIA.put(put.playlistKey, captionPlaylist(`${name}.vtt`, video.durationMs / 1000), {
					httpMetadata: { contentType: "application/vnd.apple.mpegurl" },
				}),
			]);
		} catch (err) {
			await env.MEDIA.delete(written);
			throw err;
		}
		await publish(env, requestUrl, db, video, rev, before, { put }, tracks, written);
		await afterCommit?.();
		return { lang: put.lang, label: put.label, generated: put.generated, url: cdnUrl(put.vttKey), created };
	});
}

/** Removes the video's `lang` track; false when it had none. */
export async function removeCaptionTrack(
	env: Env,
	requestUrl: string,
	video: CaptionedVideo,
	lang: string,
	afterCommit?: AfterCommit,
): Promise<boolean> {
	const db = mediaDb(env);
	return withLock(db, video.id, async (rev) => {
		const before = await captionState(db, video.id);
		if (!before.rows.some((r) => r.lang === lang)) return false;
		const prefix = derivedPrefix(video.r2Key);
		const tracks = before.rows.filter((r) => r.lang !== lang).map((r) => trackOf(prefix, r));
		await publish(env, requestUrl, db, video, rev, before, { removed: lang }, tracks, []);
		await afterCommit?.();
		return true;
	});
}
