// The publishing half of a live stream, run by its Durable Object's alarm:
// copies the segments the transcoder has finished to R2, then puts the
// playlists that list them (so a player never asks for a segment not yet
// there). While live, playlists carry a one-second cache policy; at the end
// they are rewritten with ENDLIST and no policy of their own: immutable, like
// any VOD (cdn/delivery-route.ts sends an object's own policy when it has one).
//
// Production limits (developers.cloudflare.com/durable-objects/platform/limits/,
// developers.cloudflare.com/workers/platform/limits/): each alarm run is its own
// invocation, so its subrequests (one transcoder poll, then per segment one
// fetch and one R2 put, plus a put per playlist: about six a second for two
// rungs) start from zero each time, far below the 1,000 / 10,000 per invocation.
import { mapLimit } from "../lib/async/map-limit";
import { COPY_CONCURRENCY, copyToR2 } from "../transcoder/publish-outputs";
import { EVENT_PLAYLIST_CACHE_CONTROL } from "../transcoder/publish-progressive";
import type { OutputFile, ProgressiveOutputs, Rendition } from "../transcoder/transcoder-client";
import { composePlaylist, publishedPath, segmentEntries, segmentOf } from "./live-playlists";

/** What has been published so far; kept in the Durable Object's storage. */
export interface PublishState {
	generation: number;
	/** Per rung: the highest segment number of this generation already in R2 (-1: none). */
	upTo: number[];
	/** Per rung: the entries of earlier generations. */
	carried: string[][];
	/** Per rung: the playlist text last put. */
	composed: string[];
	/** The master playlist last put. */
	master?: string;
}

export const emptyPublishState = (): PublishState => ({ generation: 0, upTo: [], carried: [], composed: [] });

/** A new generation continues the playlists published so far after a DISCONTINUITY. */
export function nextGeneration(state: PublishState): PublishState {
	return { ...state, generation: state.generation + 1, upTo: [], carried: state.composed.map(segmentEntries) };
}

/** What a publish put in R2 (the files the recording lists in D1 and the ladder). */
export interface Published {
	fresh: number;
	listed: Pick<OutputFile, "path" | "role" | "contentType" | "bytes">[];
	ladder: Rendition[];
}

export async function publishLive(
	env: Env,
	client: { file(file: OutputFile): Promise<ReadableStream> },
	prefix: string,
	state: PublishState,
	outputs: ProgressiveOutputs,
	ended: boolean,
): Promise<Published> {
	const fresh = outputs.files.filter((f) => {
		const seg = segmentOf(f.path);
		return seg ? seg.n > (state.upTo[seg.rung] ?? -1) : true;
	});
	await mapLimit(fresh, COPY_CONCURRENCY, (file) => copyToR2(env, client, prefix + publishedPath(state.generation, file.path), file));
	for (const f of fresh) {
		const seg = segmentOf(f.path);
		if (seg) state.upTo[seg.rung] = Math.max(state.upTo[seg.rung] ?? -1, seg.n);
	}
	const listed: Published["listed"] = fresh.filter((f) => f.role === "poster");
	const httpMetadata = (contentType: string) => (ended ? { contentType } : { contentType, cacheControl: EVENT_PLAYLIST_CACHE_CONTROL });
	// Rung playlists before the master, which is the first thing a player asks for.
	for (const p of [...outputs.playlists].sort((a, b) => (a.role === b.role ? 0 : a.role === "playlist" ? -1 : 1))) {
		const rung = /^hls\/(\d+)\/index\.m3u8$/.exec(p.path)?.[1];
		let text = p.text;
		if (rung !== undefined) {
			text = composePlaylist(state.carried[Number(rung)] ?? [], p.text, state.generation, ended);
			if (!ended && text === state.composed[Number(rung)]) continue;
			state.composed[Number(rung)] = text;
		} else {
			// The master names the rungs only: it changes never, except for its cache policy at the end.
			if (!ended && text === state.master) continue;
			state.master = text;
		}
		await env.MEDIA.put(prefix + p.path, text, { httpMetadata: httpMetadata(p.contentType) });
		listed.push({ path: p.path, role: p.role, contentType: p.contentType, bytes: new TextEncoder().encode(text).byteLength });
	}
	return { fresh: fresh.length, listed, ladder: outputs.renditions };
}
