-- What the uploader said about a video (POST /api/videos/upload), kept with the asset
-- until a reel is made from it.
ALTER TABLE assets ADD COLUMN title TEXT;
ALTER TABLE assets ADD COLUMN caption TEXT;
