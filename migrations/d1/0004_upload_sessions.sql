-- Resumable (tus 1.0) uploads. Progress is advanced only by a compare-and-set
-- on upload_offset, so two racing PATCHes cannot both count; the R2 multipart
-- upload starts with the first chunk (once its bytes say what the file is).
CREATE TABLE upload_sessions (
  id            TEXT PRIMARY KEY,              -- UUIDv7; also the asset id
  owner_id      TEXT NOT NULL,
  upload_length INTEGER NOT NULL CHECK (upload_length > 0),
  upload_offset INTEGER NOT NULL DEFAULT 0,
  metadata      TEXT NOT NULL DEFAULT '',      -- the client's Upload-Metadata, echoed on HEAD
  filename      TEXT,
  r2_key        TEXT,
  r2_upload_id  TEXT,
  parts         TEXT NOT NULL DEFAULT '[]',    -- [{ partNumber, etag }]
  status        TEXT NOT NULL CHECK (status IN ('uploading', 'complete', 'terminated', 'abandoned')),
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE INDEX upload_sessions_status_updated ON upload_sessions (status, updated_at);
