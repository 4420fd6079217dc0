-- Media plane: one row per uploaded original (image or video).
CREATE TABLE assets (
  id           TEXT PRIMARY KEY,                -- UUIDv7
  owner_id     TEXT NOT NULL,                   -- users.id in Postgres (no cross-store FK)
  kind         TEXT NOT NULL CHECK (kind IN ('image', 'video')),
  status       TEXT NOT NULL CHECK (status IN ('uploading', 'uploaded', 'queued', 'processing', 'ready', 'failed')),
  r2_key       TEXT NOT NULL UNIQUE,            -- YYYY/MM/DD/<uuid>.<ext>
  content_type TEXT NOT NULL,
  bytes        INTEGER NOT NULL CHECK (bytes >= 0),
  checksum     TEXT,
  width        INTEGER,
  height       INTEGER,
  duration_ms  INTEGER,
  error        TEXT,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX assets_owner_created ON assets (owner_id, created_at DESC);
CREATE INDEX assets_status_updated ON assets (status, updated_at);
