// The caller's own video, for the routes that change one (its captions, its
// cover): anyone else's, or one that does not exist, is the same 404.
import { and, eq } from "drizzle-orm";
import { mediaDb } from "../../lib/media-db/media-db";
import { assets } from "../../lib/media-db/schema";
import { videoStatusOf } from "../../lib/media-db/video-status";
import { HttpProblem } from "../../lib/problems/http-problem";

/** The caller's video, or 404 as for any video that is not theirs. */
export async function ownVideo(env: Env, ownerId: string, id: string) {
	const asset = await mediaDb(env).query.assets.findFirst({
		where: and(eq(assets.id, id), eq(assets.kind, "video"), eq(assets.ownerId, ownerId)),
	});
	// A blocked video is being taken down (or was moderated): it changes no more, so a change cannot land after its files are swept.
	if (!asset || asset.access === "blocked") throw new HttpProblem(404, "video_not_found", "No video of yours with that id.");
	return asset;
}

/** A finished video: its length is known and its ladder, manifests and pictures are final. `what`: "Captions", "A cover". */
export function readyVideo(asset: Awaited<ReturnType<typeof ownVideo>>, what: string) {
	if (videoStatusOf(asset) !== "ready" || asset.durationMs === null) {
		throw new HttpProblem(409, "video_not_ready", `${what} can be set once the video is ready.`);
	}
	return { id: asset.id, r2Key: asset.r2Key, durationMs: asset.durationMs };
}
