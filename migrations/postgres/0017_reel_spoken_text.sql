-- What a reel's video says (its caption tracks' text, copied from D1 when they change), searched at weight C.
ALTER TABLE "reels" ADD COLUMN "spoken" text DEFAULT '' NOT NULL;
