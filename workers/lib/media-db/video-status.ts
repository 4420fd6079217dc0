// The status the API shows for a video. `playable` is not stored: it is a video
// still being transcoded (or waiting to resume) whose first segments are already
// published (`playable_at`). Once watchable, a video never goes back to looking
// unwatchable, whatever a retried transcode does to `status`.
import type { AssetStatus } from "./schema";

export const videoStatuses = ["uploading", "uploaded", "queued", "processing", "playable", "ready", "failed"] as const;
export type VideoStatus = (typeof videoStatuses)[number];

export function videoStatusOf(asset: { status: AssetStatus; playableAt: string | null }): VideoStatus {
	if (asset.playableAt !== null && asset.status !== "ready" && asset.status !== "failed") return "playable";
	return asset.status;
}

/** Watchable: `playable` (HLS of the first seconds, the rest on its way) or `ready`. */
export const isWatchable = (status: string) => status === "playable" || status === "ready";
