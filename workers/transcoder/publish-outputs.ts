// Copies a finished job's files from the transcoder to R2, stream by stream,
// and records them in D1. Segments go first and manifests last, so no
// manifest ever points at a file that is not there yet. Segments progressive
// publishing already copied are skipped; its EVENT playlists are replaced by
// the VOD ones, which carry no cache-control of their own (so: immutable).
//
// Production limits the local runtime does not enforce
// (developers.cloudflare.com/workers/platform/limits/, developers.cloudflare.com/queues/platform/limits/):
//   - wall clock: a queue consumer invocation gets 15 minutes. The copy checks
//     its deadline before each file and hands the job back (a retry) before
//     it; the retry lists what is already in R2 and copies only the rest;
//   - simultaneous open connections: 6 per invocation. Each copy holds two (the
//     transcoder's response and the R2 upload), so 2 copies run at once, leaving
//     room for D1 and the lease;
//   - subrequests: one transcoder fetch and one R2 put per file, plus one R2
//     list per 1,000 files on a resumed copy (docs/operations.md#subrequest-budget).
import { eq, inArray } from "drizzle-orm";
import { derivedPrefix } from "../cdn/cdn-key";
import { mapLimit } from "../lib/async/map-limit";
import type { MediaDb } from "../lib/media-db/media-db";
import { assets, derivedFiles, renditions } from "../lib/media-db/schema";
import { pagesUnder } from "../lib/r2/pages-under";
import type { OutputFile, Rendition, TranscodeJobView, TranscoderClient } from "./transcoder-client";

/** Copies in flight: each holds 2 of the invocation's 6 simultaneous connections. */
export const COPY_CONCURRENCY = 2;

/** Thrown when the copy must stop for the invocation's wall clock; the retry resumes it. */
export class CopyHandedBack extends Error {
	constructor(readonly copied: number) {
		super(`wall-clock budget: copy handed back after ${copied} files; the retry resumes it`);
		this.name = "CopyHandedBack";
	}
}

/** Keys and sizes already under `prefix` in R2 (what a resumed copy may skip). */
async function alreadyStored(bucket: R2Bucket, prefix: string): Promise<Map<string, number>> {
	const stored = new Map<string, number>();
	for await (const page of pagesUnder(bucket, prefix)) for (const o of page) stored.set(o.key, o.size);
	return stored;
}
/** Copies one file from the transcoder to R2, streamed. */
export async function copyToR2(env: Env, client: Pick<TranscoderClient, "file">, key: string, file: OutputFile): Promise<void> {
	// R2 needs the length up front; FixedLengthStream also fails the put if the transcoder sends more or less.
	const body = (await client.file(file)).pipeThrough(new FixedLengthStream(file.bytes));
	await env.MEDIA.put(key, body, { httpMetadata: { contentType: file.contentType } });
}

/**
 * Files that never change once written, so one already in R2 with the same size is this one.
 * Playlists and manifests are always rewritten: progressive publishing put EVENT versions at the
 * same keys, and one of those can have exactly the size of the final VOD text.
 */
const IMMUTABLE_ROLES = new Set<OutputFile["role"]>(["segment", "poster", "thumbnail", "storyboard", "preview"]);

/** Where a file goes: under the asset's folder, except a clip's source, which is the asset's own original. */
const keyOf = (originalKey: string, prefix: string, file: Pick<OutputFile, "path" | "role">) =>
	file.role === "source" ? originalKey : prefix + file.path;

const STAGES: OutputFile["role"][][] = [["source", "segment", "poster", "thumbnail", "storyboard", "preview"], ["playlist"], ["manifest"]];
const DERIVED_ROLE = {
	playlist: "rendition",
	manifest: "manifest",
	poster: "poster",
	thumbnail: "thumbnail",
	storyboard: "storyboard",
	preview: "preview",
} as const;

/**
 * Lists an asset's published files and ladder in D1 (what playback URLs are built from), replacing
 * any earlier listing of the same keys: progressive publishing lists its EVENT playlists and master,
 * the final copy then lists everything. Segments are not listed: deleting the asset removes its
 * whole prefix.
 */
export async function recordOutputs(
	db: MediaDb,
	assetId: string,
	prefix: string,
	files: Pick<OutputFile, "path" | "role" | "contentType" | "bytes">[],
	ladder: Rendition[],
): Promise<void> {
	const createdAt = new Date().toISOString();
	const listed = files.flatMap((f) =>
		// Segments go with the folder; a clip's source is the asset's original (assets.r2_key), not a derived file.
		f.role === "segment" || f.role === "source"
			? []
			: [{ r2Key: prefix + f.path, assetId, role: DERIVED_ROLE[f.role], contentType: f.contentType, bytes: f.bytes, createdAt }],
	);
	await db.batch([
		db.delete(renditions).where(eq(renditions.assetId, assetId)),
		db.delete(derivedFiles).where(
			inArray(
				derivedFiles.r2Key,
				listed.map((f) => f.r2Key),
			),
		),
		...(listed.length ? [db.insert(derivedFiles).values(listed)] : []),
		...ladder.map((r) =>
			db
				.insert(renditions)
				.values({ assetId, width: r.width, height: r.height, bandwidth: r.bandwidth, codecs: r.codecs, playlistKey: prefix + r.playlist }),
		),
	]);
}

export async function publishOutputs(
	env: Env,
	db: MediaDb,
	client: TranscoderClient,
	{
		assetId,
		originalKey,
		isClip = false,
		job,
		deadline = Number.POSITIVE_INFINITY,
	}: {
		assetId: string;
		/** The asset's own original (assets.r2_key): its files go under its folder; a clip's source is written there. */
		originalKey: string;
		/** Only a clip's job may write the asset's original (its `source` file); any other job's is ignored. */
		isClip?: boolean;
		job: TranscodeJobView;
		deadline?: number;
	},
): Promise<{ copied: number; skipped: number }> {
	const prefix = derivedPrefix(originalKey);
	// A resumed copy (or a duplicate delivery) skips what is already there, whole.
	const stored = await alreadyStored(env.MEDIA, prefix);
	let copied = 0;
	let skipped = 0;
	const files = job.files.filter((f) => f.role !== "source" || isClip);
	for (const roles of STAGES) {
		await mapLimit(
			files.filter((f) => roles.includes(f.role)),
			COPY_CONCURRENCY,
			async (file) => {
				if (IMMUTABLE_ROLES.has(file.role) && stored.get(prefix + file.path) === file.bytes) {
					skipped++;
					return;
				}
				if (Date.now() > deadline) throw new CopyHandedBack(copied);
				await copyToR2(env, client, keyOf(originalKey, prefix, file), file);
				copied++;
			},
		);
	}
	await recordOutputs(db, assetId, prefix, job.files, job.renditions);
	// A clip's original is its own now: the storage quota counts what was made, not the room reserved for it.
	const source = files.find((f) => f.role === "source");
	if (source) await db.update(assets).set({ bytes: source.bytes }).where(eq(assets.id, assetId));
	return { copied, skipped };
}
