-- The animated preview (transcode-container/src/preview.ts) is a derived file too, so the role's
-- CHECK takes 'preview'. SQLite cannot change a CHECK in place: the table is rebuilt, with foreign
-- keys deferred while it is (developers.cloudflare.com/d1/sql-api/foreign-keys/).
PRAGMA defer_foreign_keys = true;

CREATE TABLE derived_files_next (
  r2_key       TEXT PRIMARY KEY,
  asset_id     TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  role         TEXT NOT NULL CHECK (role IN ('thumbnail', 'poster', 'storyboard', 'rendition', 'manifest', 'preview')),
  content_type TEXT NOT NULL,
  bytes        INTEGER NOT NULL CHECK (bytes >= 0),
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO derived_files_next (r2_key, asset_id, role, content_type, bytes, created_at)
  SELECT r2_key, asset_id, role, content_type, bytes, created_at FROM derived_files;
DROP TABLE derived_files;
ALTER TABLE derived_files_next RENAME TO derived_files;
CREATE INDEX derived_files_asset ON derived_files (asset_id);

PRAGMA defer_foreign_keys = false;
