-- A video refused as too long but within the transcoder's MAX_ORIGINAL_SECONDS keeps its original for a
-- while (docs/clips.md): until `trim_until` a clip of at most `trim_max_ms` can be made of it. Its bytes
-- still count against the quota meanwhile; the hourly sweep deletes the original after that.
ALTER TABLE assets ADD COLUMN trim_until TEXT;
ALTER TABLE assets ADD COLUMN trim_max_ms INTEGER;
CREATE INDEX assets_trim_until ON assets (trim_until) WHERE trim_until IS NOT NULL;
