-- A clip (docs/clips.md) remembers the video and range it was cut from: the same range asked again
-- is the same clip (unless that one failed), and moderation can find the clips of a video.
ALTER TABLE assets ADD COLUMN clip_of TEXT;
ALTER TABLE assets ADD COLUMN clip_start_ms INTEGER;
ALTER TABLE assets ADD COLUMN clip_end_ms INTEGER;
CREATE UNIQUE INDEX assets_clip_range ON assets (clip_of, clip_start_ms, clip_end_ms)
  WHERE clip_of IS NOT NULL AND status <> 'failed';
