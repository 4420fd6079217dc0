// Copies a finished job's files from the transcoder to R2, stream by stream,
// and records them in D1. Segments go first and manifests last, so no
// manifest ever points at a file that is not there yet.
import { eq, inArray } from "drizzle-orm";
import { derivedPrefix } from "../cdn/cdn-key";
import { mapLimit } from "../lib/async/map-limit";
import type { MediaDb } from "../lib/media-db/media-db";
import { derivedFiles, renditions } from "../lib/media-db/schema";
import type { OutputFile, TranscodeJobView, TranscoderClient } from "./transcoder-client";

const COPY_CONCURRENCY = 6;
const STAGES: OutputFile["role"][][] = [["segment", "poster", "thumbnail", "storyboard"], ["playlist"], ["manifest"]];
const DERIVED_ROLE = {
	playlist: "rendition",
	manifest: "manifest",
	poster: "poster",
	thumbnail: "thumbnail",
	storyboard: "storyboard",
} as const;

export async function publishOutputs(
	env: Env,
	db: MediaDb,
	client: TranscoderClient,
	{ assetId, sourceKey, job }: { assetId: string; sourceKey: string; job: TranscodeJobView },
): Promise<void> {
	const prefix = derivedPrefix(sourceKey);
	for (const roles of STAGES) {
		await mapLimit(
			job.files.filter((f) => roles.includes(f.role)),
			COPY_CONCURRENCY,
			async (file) => {
				// R2 needs the length up front; FixedLengthStream also fails the put if the transcoder sends more or less.
				const body = (await client.file(file)).pipeThrough(new FixedLengthStream(file.bytes));
				await env.MEDIA.put(prefix + file.path, body, { httpMetadata: { contentType: file.contentType } });
			},
		);
	}
	// Segments are not listed: deleting the asset removes its whole prefix.
	const createdAt = new Date().toISOString();
	const listed = job.files.flatMap((f) =>
		f.role === "segment"
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
		...job.renditions.map((r) =>
			db
				.insert(renditions)
				.values({ assetId, width: r.width, height: r.height, bandwidth: r.bandwidth, codecs: r.codecs, playlistKey: prefix + r.playlist }),
		),
	]);
}
