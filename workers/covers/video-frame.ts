// A frame of a ready video at any time, exactly: the segment of its top rung
// that holds the time is found in the rung's playlist, and that one segment
// (init + media segment, a few MB) streams to the transcoder, which decodes it
// and answers one JPEG. Nothing reads the whole video, and nothing is held in
// the Worker but the playlist text and the picture.
import { desc, eq, sql } from "drizzle-orm";
import { mediaDb } from "../lib/media-db/media-db";
import { renditions } from "../lib/media-db/schema";
import { HttpProblem } from "../lib/problems/http-problem";
import { FrameUnreadable, frameFromTranscoder, TranscoderUnavailable } from "../transcoder/transcoder-client";

export interface SegmentAt {
	/** Paths relative to the playlist. */
	init: string;
	segment: string;
	/** Seconds from the segment's start. */
	offset: number;
}

/**
 * The segment of a VOD media playlist (fMP4: one EXT-X-MAP) on screen at `at` seconds, and how far
 * into it. A time past the end gives the last segment's end. Null for a playlist of another shape.
 */
export function segmentAt(playlist: string, at: number): SegmentAt | null {
	const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1];
	if (!init) return null;
	const segments: { uri: string; start: number; duration: number }[] = [];
	let duration: number | null = null;
	let start = 0;
	for (const raw of playlist.split("\n")) {
		const line = raw.trim();
		if (line.startsWith("#EXTINF:")) duration = Number.parseFloat(line.slice("#EXTINF:".length));
		else if (line && !line.startsWith("#") && duration !== null && Number.isFinite(duration)) {
			segments.push({ uri: line, start, duration });
			start += duration;
			duration = null;
		}
	}
	const last = segments[segments.length - 1];
	if (!last) return null;
	const found = segments.find((s) => at < s.start + s.duration) ?? last;
	return { init, segment: found.uri, offset: Math.min(Math.max(0, at - found.start), found.duration) };
}

/** `a/b/playlist.m3u8` + `init.m4s` → `a/b/init.m4s` (our playlists name files beside them). */
const beside = (playlistKey: string, uri: string) => {
	if (!/^[A-Za-z0-9_.-]+$/.test(uri) || uri.includes("..")) throw frameUnavailable();
	return `${playlistKey.slice(0, playlistKey.lastIndexOf("/") + 1)}${uri}`;
};

export const frameUnavailable = () =>
	new HttpProblem(503, "frame_unavailable", "The frame could not be made right now; try again in a moment.", {}, { "Retry-After": "5" });

/** The video's largest rung: what a cover is cut from. */
export async function topRung(env: Env, assetId: string) {
	const [rung] = await mediaDb(env)
		.select()
		.from(renditions)
		.where(eq(renditions.assetId, assetId))
		.orderBy(desc(sql`${renditions.width} * ${renditions.height}`))
		.limit(1);
	return rung;
}

/** `init` then `segment`, as one stream of known length (the transcoder spools it). */
function joined(init: R2ObjectBody, segment: R2ObjectBody): { body: ReadableStream; bytes: number } {
	const bytes = init.size + segment.size;
	const { readable, writable } = new FixedLengthStream(bytes);
	(async () => {
		await init.body.pipeTo(writable, { preventClose: true });
		await segment.body.pipeTo(writable);
	})().catch(() => writable.abort().catch(() => undefined));
	return { body: readable, bytes };
}

type Size = { width: number; height: number };

/**
 * The JPEG of the frame on screen at `at` seconds into the video, at its top rung's size or the size
 * `sizeFor` picks from it.
 * Costs: one D1 read, three R2 reads (the playlist, the init segment, one media segment), one call
 * to a transcoder instance. 503 frame_unavailable when the transcoder is busy or unreachable.
 */
export async function videoFrame(
	env: Env,
	assetId: string,
	at: number,
	sizeFor?: (topRung: Size) => Size,
): Promise<{ jpeg: Uint8Array } & Size> {
	const rung = await topRung(env, assetId);
	if (!rung) throw frameUnavailable();
	const playlist = await env.MEDIA.get(rung.playlistKey);
	if (!playlist) throw frameUnavailable();
	const where = segmentAt(await playlist.text(), at);
	// Not a fragmented-MP4 ladder (a live recording's MPEG-TS rungs): asking again will not help.
	if (!where) throw new HttpProblem(409, "frame_unavailable", "Frames cannot be taken from this video's renditions (a live recording's).");
	const [init, segment] = await Promise.all([
		env.MEDIA.get(beside(rung.playlistKey, where.init)),
		env.MEDIA.get(beside(rung.playlistKey, where.segment)),
	]);
	if (!init || !segment) {
		await Promise.all([init?.body.cancel(), segment?.body.cancel()]);
		throw frameUnavailable();
	}
	const piece = joined(init, segment);
	const size = sizeFor?.(rung) ?? { width: rung.width, height: rung.height };
	try {
		const jpeg = await frameFromTranscoder(env, assetId, piece.body, piece.bytes, { at: where.offset, size });
		return { jpeg, ...size };
	} catch (err) {
		if (err instanceof TranscoderUnavailable || err instanceof FrameUnreadable) throw frameUnavailable();
		throw err;
	}
}
