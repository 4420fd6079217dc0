-- Files made from an original (thumbnail now; poster, storyboard and renditions from
-- the transcoder), so deleting or purging an asset knows everything it owns.
CREATE TABLE derived_files (
  r2_key       TEXT PRIMARY KEY,
  asset_id     TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  role         TEXT NOT NULL CHECK (role IN ('thumbnail', 'poster', 'storyboard', 'rendition', 'manifest')),
  content_type TEXT NOT NULL,
  bytes        INTEGER NOT NULL CHECK (bytes >= 0),
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX derived_files_asset ON derived_files (asset_id);
