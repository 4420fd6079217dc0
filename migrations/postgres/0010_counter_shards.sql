CREATE TABLE "reel_counter_shards" (
	"reel_id" uuid NOT NULL,
	"shard" smallint NOT NULL,
	"likes" integer DEFAULT 0 NOT NULL,
	"comments" integer DEFAULT 0 NOT NULL,
	"views" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "reel_counter_shards_reel_id_shard_pk" PRIMARY KEY("reel_id","shard"),
	CONSTRAINT "reel_counter_shards_shard" CHECK ("reel_counter_shards"."shard" between 0 and 15)
);
--> statement-breakpoint
ALTER TABLE "reel_counter_shards" ADD CONSTRAINT "reel_counter_shards_reel_id_reels_id_fk" FOREIGN KEY ("reel_id") REFERENCES "public"."reels"("id") ON DELETE cascade ON UPDATE no action;