// The publishing half of a live stream, run by its Durable Object's alarm:
// copies the segments the transcoder has finished to R2, then puts the
// playlists that list them (so a player never asks for a segment not yet
// there). While live, playlists carry a one-second cache policy; at the end
// they are rewritten with ENDLIST and no policy of their own: immutable, like
// any VOD (cdn/delivery/delivery-route.ts sends an object's own policy when it has one).
//
// Production limits (developers.cloudflare.com/durable-objects/platform/limits/,
// developers.cloudflare.com/workers/platform/limits/): each alarm run is its own
// invocation, so its subrequests (one transcoder poll, then per segment one
// fetch and one R2 put, plus a put per playlist) start from zero each time, far
// below the 10,000 per invocation; copies run two at a time, within the six
// simultaneous connections.
import { mapLimit } from "../lib/async/map-limit";
import { COPY_CONCURRENCY, copyToR2 } from "../transcoder/publish-outputs";
import { EVENT_PLAYLIST_CACHE_CONTROL } from "../transcoder/publish-progressive";
import type { OutputFile, ProgressiveOutputs, Rendition } from "../transcoder/transcoder-client";
import { entriesToAppend, LIVE_MASTER, playlistOf, publishedPath, rungOf, rungPlaylist, segmentEntries, segmentOf } from "./live-playlists";

/** What has been published so far (small: kept in the object's storage with its state). */
export interface PublishState {
	generation: number;
	/** Per rung: the highest segment number of this generation already in R2 (-1: none). */
	upTo: number[];
	/** Per rung: entries of this generation already appended to the rung's list. */
	stored: number[];
	/** Whether the master playlist is in R2. */
	masterPut: boolean;
	/** Per rung: the highest segment number of this generation already taken from the quota (a copy that failed is not charged twice). */
	admitted?: number[];
}

export const emptyPublishState = (): PublishState => ({ generation: 0, upTo: [], stored: [], masterPut: false });

/** A new generation: its segments are numbered from 0 again, under names of their own. */
export const nextGeneration = (state: PublishState): PublishState => ({
	...state,
	generation: state.generation + 1,
	upTo: [],
	stored: [],
	admitted: [],
});

/** Each rung's playlist entries, append-only (the object keeps them in SQLite: a line per entry, written once). */
export interface EntryStore {
	entries(rung: number): string[];
	append(rung: number, lines: string[]): void;
}

/** What a publish put in R2 (the files the recording lists in D1, and the ladder). */
export interface Published {
	listed: Pick<OutputFile, "path" | "role" | "contentType" | "bytes">[];
	ladder: Rendition[];
}

const PLAYLIST_TYPE = "application/vnd.apple.mpegurl";

/** Puts playlist texts under `prefix`, with the live cache policy or, once `ended`, none (immutable), and lists what it put. */
function playlistWriter(env: Env, prefix: string, ended: boolean) {
	const httpMetadata = ended ? { contentType: PLAYLIST_TYPE } : { contentType: PLAYLIST_TYPE, cacheControl: EVENT_PLAYLIST_CACHE_CONTROL };
	const listed: Published["listed"] = [];
	return {
		listed,
		async put(path: string, role: "playlist" | "manifest", text: string) {
			await env.MEDIA.put(prefix + path, text, { httpMetadata });
			listed.push({ path, role, contentType: PLAYLIST_TYPE, bytes: new TextEncoder().encode(text).byteLength });
		},
	};
}

/**
 * Copies the finished segments and puts the playlists that list them. `admit` takes the new files'
 * bytes out of the owner's storage quota first (the recording is what the account stores); when
 * it refuses, nothing is copied or listed and the answer is null: the stream must end.
 */
export async function publishLive(
	env: Env,
	client: { file(file: OutputFile): Promise<ReadableStream> },
	prefix: string,
	state: PublishState,
	store: EntryStore,
	outputs: ProgressiveOutputs,
	ended: boolean,
	admit: (bytes: number) => Promise<boolean>,
): Promise<Published | null> {
	const fresh = outputs.files.filter((f) => {
		const seg = segmentOf(f.path);
		return seg ? seg.n > (state.upTo[seg.rung] ?? -1) : true;
	});
	const admitted = state.admitted ?? [];
	const unpaid = fresh.filter((f) => {
		const seg = segmentOf(f.path);
		return seg ? seg.n > (admitted[seg.rung] ?? -1) : true;
	});
	const unpaidBytes = unpaid.reduce((sum, f) => sum + f.bytes, 0);
	if (unpaidBytes > 0 && !(await admit(unpaidBytes))) return null;
	for (const f of unpaid) {
		const seg = segmentOf(f.path);
		if (seg) admitted[seg.rung] = Math.max(admitted[seg.rung] ?? -1, seg.n);
	}
	state.admitted = admitted;
	await mapLimit(fresh, COPY_CONCURRENCY, (file) => copyToR2(env, client, prefix + publishedPath(state.generation, file.path), file));
	for (const f of fresh) {
		const seg = segmentOf(f.path);
		if (seg) state.upTo[seg.rung] = Math.max(state.upTo[seg.rung] ?? -1, seg.n);
	}
	const writer = playlistWriter(env, prefix, ended);
	writer.listed.push(...fresh.filter((f) => f.role === "poster"));
	// Rung playlists before the master, which is the first thing a player asks for.
	for (const p of outputs.playlists.filter((x) => x.role === "playlist")) {
		const rung = rungOf(p.path);
		if (rung === null) continue;
		const current = segmentEntries(p.text, state.generation);
		const stored = state.stored[rung] ?? 0;
		// Whether earlier generations left entries matters only for a generation's first: read the list only then.
		const earlier = stored === 0 && state.generation > 0 && store.entries(rung).length > 0;
		const append = entriesToAppend(current, stored, earlier);
		if (append.length > 0) store.append(rung, append);
		state.stored[rung] = current.length;
		if (append.length > 0 || ended) await writer.put(p.path, "playlist", playlistOf(store.entries(rung), ended));
	}
	for (const m of outputs.playlists.filter((x) => x.role === "manifest")) {
		// The master names the rungs only: it never changes, except for its cache policy at the end.
		if (state.masterPut && !ended) continue;
		await writer.put(m.path, "manifest", m.text);
		state.masterPut = true;
	}
	return { listed: writer.listed, ladder: outputs.renditions };
}

/**
 * Closes the playlists over what was published when there is no encoder left to ask (it was lost with
 * the last generation): each rung's entries with ENDLIST, and the master rewritten without its live
 * cache policy. Returns what the recording lists.
 */
export async function closeLivePlaylists(
	env: Env,
	prefix: string,
	store: EntryStore & { rungs(): number[] },
): Promise<Published["listed"]> {
	const writer = playlistWriter(env, prefix, true);
	for (const rung of store.rungs()) await writer.put(rungPlaylist(rung), "playlist", playlistOf(store.entries(rung), true));
	const master = await env.MEDIA.get(prefix + LIVE_MASTER);
	if (master) await writer.put(LIVE_MASTER, "manifest", await master.text());
	return writer.listed;
}
