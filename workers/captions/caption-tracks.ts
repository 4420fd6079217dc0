// Adding, replacing and removing a video's caption tracks. Each change holds
// the video's lock and has its own revision: it writes new files under new
// names (captions/<lang>-<rev>.vtt, its playlist, the manifests listing every
// track), lists them in D1 in one batch, and only then deletes and purges what
// they replace. So a player always finds whole files, every URL stays
// immutable (the edge and browsers may keep it for ever), and a change that
// dies half-way leaves the video as it was.

import { and, eq } from "drizzle-orm";
import { cdnUrl, derivedPrefix } from "../cdn/cdn-key";
import type { CaptionLink } from "../cdn/delivery/video-playback";
import { purgeFromEdge } from "../cdn/purge/edge-purge";
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
import { type CaptionTrack, captionedMaster, captionedMpd, captionPlaylist } from "./caption-manifests";
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
		// A no-op once the change committed (the commit frees the lock itself).
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
 * Lists `change` and manifests for `tracks`, then removes what they replace (`replaced`: the
 * files of the track changed, the manifests before). If the lock was lost meanwhile (the change
 * took longer than the lock lasts) its own new files are removed instead and the caller gets 409.
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
): Promise<void> {
	const manifests = await writeManifests(env, db, video, rev, tracks);
	const manifestKeys = (m: { hlsKey: string | null; dashKey: string | null } | undefined) =>
		[m?.hlsKey, m?.dashKey].filter((k): k is string => !!k);
	const written = [...manifestKeys(manifests), ...("put" in change ? [change.put.vttKey, change.put.playlistKey] : [])];
	if (!(await commitCaptions(db, video.id, rev, change, manifests))) {
		await env.MEDIA.delete(written);
		throw busy();
	}
	const lang = "put" in change ? change.put.lang : change.removed;
	const old = before.rows.find((r) => r.lang === lang);
	const replaced = [...manifestKeys(before.manifests), ...(old ? [old.vttKey, old.playlistKey] : [])];
	if (replaced.length === 0) return;
	await env.MEDIA.delete(replaced);
	await purgeFromEdge(env, requestUrl, { keys: replaced });
}

/** Adds or replaces the video's `lang` track with `cues`; returns how it is listed. */
export async function putCaptionTrack(
	env: Env,
	requestUrl: string,
	video: CaptionedVideo,
	track: { lang: string; label: string; generated: boolean; cues: Cue[] },
): Promise<CaptionLink & { created: boolean }> {
	const db = mediaDb(env);
	return withLock(db, video.id, async (rev) => {
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
		await Promise.all([
			env.MEDIA.put(put.vttKey, vtt, { httpMetadata: { contentType: "text/vtt; charset=utf-8" } }),
			env.MEDIA.put(put.playlistKey, captionPlaylist(`${name}.vtt`, video.durationMs / 1000), {
				httpMetadata: { contentType: "application/vnd.apple.mpegurl" },
			}),
		]);
		const before = await captionState(db, video.id);
		const tracks = [...before.rows.filter((r) => r.lang !== track.lang), put]
			.sort((a, b) => a.lang.localeCompare(b.lang))
			.map((r) => trackOf(prefix, r));
		await publish(env, requestUrl, db, video, rev, before, { put }, tracks);
		return {
			lang: put.lang,
			label: put.label,
			generated: put.generated,
			url: cdnUrl(put.vttKey),
			created: !before.rows.some((r) => r.lang === track.lang),
		};
	});
}

/** Removes the video's `lang` track; false when it had none. */
export async function removeCaptionTrack(env: Env, requestUrl: string, video: CaptionedVideo, lang: string): Promise<boolean> {
	const db = mediaDb(env);
	return withLock(db, video.id, async (rev) => {
		const before = await captionState(db, video.id);
		if (!before.rows.some((r) => r.lang === lang)) return false;
		const prefix = derivedPrefix(video.r2Key);
		const tracks = before.rows.filter((r) => r.lang !== lang).map((r) => trackOf(prefix, r));
		await publish(env, requestUrl, db, video, rev, before, { removed: lang }, tracks);
		return true;
	});
}
