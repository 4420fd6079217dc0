-- What the transcode pipeline records: progress the uploader can watch, a
-- machine-readable failure code next to the human-readable reason, a lease so
-- duplicate deliveries of one job never transcode side by side, and the
-- ladder exactly as the HLS master playlist advertises it.
ALTER TABLE assets ADD COLUMN progress REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1);
ALTER TABLE assets ADD COLUMN error_code TEXT;
ALTER TABLE assets ADD COLUMN lease_owner TEXT;
ALTER TABLE assets ADD COLUMN lease_expires_at TEXT;

CREATE TABLE renditions (
  asset_id     TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  width        INTEGER NOT NULL CHECK (width > 0),
  height       INTEGER NOT NULL CHECK (height > 0),
  bandwidth    INTEGER NOT NULL CHECK (bandwidth >= 0),
  codecs       TEXT NOT NULL,
  playlist_key TEXT NOT NULL,
  PRIMARY KEY (asset_id, playlist_key)
);
