-- Every resized image served: the first IMAGE_MAX_VARIANTS per original are also
-- kept in R2 (variants/<original key>/<options>.<format>, stored = 1) so a cold
-- edge cache does not resize again; the rest live in the edge cache only. All
-- are listed so purging an original finds every cached copy.
CREATE TABLE image_variants (
  variant_key  TEXT PRIMARY KEY,
  original_key TEXT NOT NULL,
  options      TEXT NOT NULL,            -- normalised option string
  format       TEXT NOT NULL CHECK (format IN ('avif', 'webp', 'jpeg', 'png')),
  bytes        INTEGER NOT NULL,
  stored       INTEGER NOT NULL CHECK (stored IN (0, 1)),
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX image_variants_original ON image_variants (original_key);
