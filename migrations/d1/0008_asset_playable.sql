-- Progressive publishing (workers/transcoder/publish-progressive.ts): when the first segments of
-- every rung were in R2 behind EVENT playlists. The API shows such a video as `playable` until it
-- is `ready` or `failed` (lib/media-db/video-status.ts); `status` itself keeps its meaning for the
-- transcode lease, which is why this is a column and not a new status value.
ALTER TABLE assets ADD COLUMN playable_at TEXT;
