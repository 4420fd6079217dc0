-- Direct creator uploads (POST /api/videos/direct-upload): a one-time tus URL that whoever holds
-- it may use, once, before it expires, to upload one video for the owner. The row's id is the
-- video's id (the upload session's and the asset's once bytes arrive); only the URL secret's
-- SHA-256 is stored. `pending_upload` until the URL's one creation request, `used` after it,
-- `expired` once the hourly sweep finds it unused past `expires_at`.
CREATE TABLE direct_uploads (
  id             TEXT PRIMARY KEY,
  owner_id       TEXT NOT NULL,
  secret_hash    TEXT NOT NULL,
  max_duration_s INTEGER NOT NULL CHECK (max_duration_s > 0),
  max_bytes      INTEGER NOT NULL CHECK (max_bytes > 0),   -- the largest Upload-Length its upload may declare
  meta           TEXT NOT NULL DEFAULT '{}',   -- the creator's key/value metadata, JSON
  status         TEXT NOT NULL CHECK (status IN ('pending_upload', 'used', 'expired')),
  expires_at     TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  used_at        TEXT
);
CREATE INDEX direct_uploads_status_expires ON direct_uploads (status, expires_at);
CREATE INDEX direct_uploads_owner_status ON direct_uploads (owner_id, status);

-- The longest video an upload may be (a direct upload's maxDurationSeconds); null: the transcoder's own limit.
ALTER TABLE upload_sessions ADD COLUMN max_duration_s INTEGER CHECK (max_duration_s IS NULL OR max_duration_s > 0);
