// Progressive publishing: while FFmpeg still runs, the segments it has finished
// are copied to R2 and EVENT playlists over them are put after each batch, so a
// video plays seconds after its upload instead of after the whole ladder. The
// final copy (publish-outputs.ts) skips these segments and replaces the
// playlists with VOD ones.
//
// The EVENT playlists change, so they carry their own short cache policy in R2
// (`cacheControl`): the delivery route sends it instead of "immutable" and keeps
// such objects out of the edge cache (delivery-route.ts). Everything else at an
// asset's prefix, segments included, is written once.
//
// Production limits (developers.cloudflare.com/workers/platform/limits/): each
// segment costs two subrequests (the transcoder fetch and the R2 put) as it did
// before, and each batch one put per playlist, about six per 2 s of video: a
// 180 s video adds some 540 puts, within the 10,000 a paid invocation may make
// (docs/operations.md#subrequest-budget).
import { mapLimit } from "../lib/async/map-limit";
import { COPY_CONCURRENCY, copyToR2 } from "./publish-outputs";
import type { ProgressiveOutputs, TranscoderClient } from "./transcoder-client";

/** Players reload a live playlist about every target duration (2 s); a second of caching halves nothing they need. */
export const EVENT_PLAYLIST_CACHE_CONTROL = "public, max-age=1";

/**
 * Returns a function that publishes what a running job has finished since its
 * last call and says whether anything new was published. Segments go before the
 * playlists that list them, so a player never asks for a segment not yet in R2.
 */
export function progressivePublisher(env: Env, client: TranscoderClient, prefix: string) {
	const copied = new Set<string>();
	return async function publishFinished(outputs: ProgressiveOutputs): Promise<boolean> {
		const fresh = outputs.files.filter((f) => !copied.has(f.path));
		if (fresh.length === 0) return false;
		await mapLimit(fresh, COPY_CONCURRENCY, async (file) => {
			await copyToR2(env, client, prefix + file.path, file);
			copied.add(file.path);
		});
		await Promise.all(
			outputs.playlists.map((p) =>
				env.MEDIA.put(prefix + p.path, p.text, {
					httpMetadata: { contentType: p.contentType, cacheControl: EVENT_PLAYLIST_CACHE_CONTROL },
				}),
			),
		);
		return true;
	};
}
