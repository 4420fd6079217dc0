-- A video's caption tracks (workers/captions/): one per language, uploaded (WebVTT or SRT, served
-- as sanitised WebVTT) or generated from its speech. Files live under the video's derived folder as
-- captions/<lang>-<rev>.vtt and .m3u8; every new file has a new rev, so each URL stays immutable.
CREATE TABLE captions (
  asset_id     TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  lang         TEXT NOT NULL,
  label        TEXT NOT NULL,
  generated    INTEGER NOT NULL DEFAULT 0 CHECK (generated IN (0, 1)),
  rev          INTEGER NOT NULL,
  vtt_key      TEXT NOT NULL,
  playlist_key TEXT NOT NULL,
  bytes        INTEGER NOT NULL CHECK (bytes >= 0),
  cue_count    INTEGER NOT NULL CHECK (cue_count > 0),
  spoken       TEXT NOT NULL,   -- the cues' plain text (capped): what search indexes
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  PRIMARY KEY (asset_id, lang)
);

-- The manifests that list a video's tracks (hls_key, dash_key; null: no tracks, so the transcoder's
-- own), the last revision handed out, and a lock so changes to one video's tracks run one at a time.
CREATE TABLE caption_manifests (
  asset_id   TEXT PRIMARY KEY REFERENCES assets (id) ON DELETE CASCADE,
  rev        INTEGER NOT NULL,
  hls_key    TEXT,
  dash_key   TEXT,
  lock_until TEXT,
  updated_at TEXT NOT NULL
);
