// How a ready video is played: its ladder and the URLs of its manifests,
// pictures and caption tracks, read from D1. The one place these URLs are
// built, so the status route, the READY event and reels all describe a video
// the same way.
import { and, asc, eq, inArray } from "drizzle-orm";
import { configOf } from "../../lib/config/config";
import type { MediaDb } from "../../lib/media-db/media-db";
import { captionManifests, captions, derivedFiles, renditions } from "../../lib/media-db/schema";
import { cdnUrl } from "../cdn-key";
import { signCdnUrl, signPlaybackUrls } from "../signing/media-url-signature";

export interface CaptionLink {
	/** BCP-47. */
	lang: string;
	label: string;
	/** Recognised from the video's speech rather than uploaded. */
	generated: boolean;
	/** The WebVTT file (also listed in the manifests). */
	url: string;
}

export interface VideoPlayback {
	renditions: { width: number; height: number; bandwidth: number; codecs: string; playlist: string }[];
	/** With caption tracks, the manifests that list them (workers/captions/). */
	hls: string | null;
	dash: string | null;
	thumbnail: string | null;
	poster: string | null;
	/** WebVTT whose cues point into the storyboard sprite (`#xywh=`). */
	storyboard: string | null;
	/** A ~3 s muted loop for grids (transcode-container/src/preview.ts); null for videos transcoded before it existed. */
	preview: string | null;
	captions: CaptionLink[];
}

export async function videoPlayback(db: MediaDb, assetId: string): Promise<VideoPlayback> {
	const [files, ladder, tracks, captioned] = await db.batch([
		db
			.select({ key: derivedFiles.r2Key, role: derivedFiles.role })
			.from(derivedFiles)
			.where(
				and(eq(derivedFiles.assetId, assetId), inArray(derivedFiles.role, ["manifest", "thumbnail", "poster", "storyboard", "preview"])),
			),
		db.select().from(renditions).where(eq(renditions.assetId, assetId)),
		db
			.select({ lang: captions.lang, label: captions.label, generated: captions.generated, key: captions.vttKey })
			.from(captions)
			.where(eq(captions.assetId, assetId))
			.orderBy(asc(captions.lang)),
		db
			.select({ hls: captionManifests.hlsKey, dash: captionManifests.dashKey })
			.from(captionManifests)
			.where(eq(captionManifests.assetId, assetId)),
	]);
	const find = (role: string, suffix: string) => {
		const file = files.find((f) => f.role === role && f.key.endsWith(suffix));
		return file ? cdnUrl(file.key) : null;
	};
	const manifests = captioned[0];
	return {
		renditions: ladder
			.sort((a, b) => b.width * b.height - a.width * a.height)
			.map((r) => ({ width: r.width, height: r.height, bandwidth: r.bandwidth, codecs: r.codecs, playlist: cdnUrl(r.playlistKey) })),
		hls: manifests?.hls ? cdnUrl(manifests.hls) : find("manifest", ".m3u8"),
		dash: manifests?.dash ? cdnUrl(manifests.dash) : find("manifest", ".mpd"),
		thumbnail: find("thumbnail", ".jpg"),
		poster: find("poster", ".jpg"),
		storyboard: find("storyboard", ".vtt"),
		preview: find("preview", ".mp4"),
		captions: tracks.map((t) => ({ lang: t.lang, label: t.label, generated: t.generated, url: cdnUrl(t.key) })),
	};
}

/**
 * The same playback with every URL signed (MEDIA_URL_TTL_SECONDS): for the
 * video's owner, who must be able to watch it before (or without) any public reel.
 */
export async function signedPlayback(env: Env, p: VideoPlayback): Promise<VideoPlayback> {
	const ttl = configOf(env).MEDIA_URL_TTL_SECONDS;
	const renditions = await Promise.all(
		p.renditions.map(async (r) => ({ ...r, playlist: (await signCdnUrl(env, r.playlist, ttl)) ?? r.playlist })),
	);
	return { ...(await signPlaybackUrls(env, p)), renditions };
}
