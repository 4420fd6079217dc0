-- reel_hashtags: each reel under each of its hashtags, kept by a trigger on reels (every write path, caption edits included), and filled from the reels already there.
CREATE TABLE "reel_hashtags" (
	"tag" text NOT NULL,
	"reel_id" uuid NOT NULL,
	CONSTRAINT "reel_hashtags_tag_reel_id_pk" PRIMARY KEY("tag","reel_id")
);
--> statement-breakpoint
ALTER TABLE "reel_hashtags" ADD CONSTRAINT "reel_hashtags_reel_id_reels_id_fk" FOREIGN KEY ("reel_id") REFERENCES "public"."reels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reel_hashtags_reel_idx" ON "reel_hashtags" USING btree ("reel_id");--> statement-breakpoint
CREATE FUNCTION "reel_hashtags_sync"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		DELETE FROM reel_hashtags WHERE reel_id = NEW.id AND NOT (tag = ANY (NEW.hashtags));
	END IF;
	INSERT INTO reel_hashtags (tag, reel_id) SELECT DISTINCT t, NEW.id FROM unnest(NEW.hashtags) AS t ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "reel_hashtags_sync" AFTER INSERT OR UPDATE OF "hashtags" ON "reels" FOR EACH ROW EXECUTE FUNCTION "reel_hashtags_sync"();--> statement-breakpoint
INSERT INTO "reel_hashtags" ("tag", "reel_id") SELECT DISTINCT t, r.id FROM "reels" r CROSS JOIN unnest(r.hashtags) AS t ON CONFLICT DO NOTHING;
