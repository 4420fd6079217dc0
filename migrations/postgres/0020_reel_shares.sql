-- reel_shares: a viewer passed a reel on (its link, its embed code, the system's share sheet), a For You signal; reel_scores.shares: signed-in viewers' shares of 14 days (docs/for-you.md).
CREATE TABLE "reel_shares" (
	"viewer" text NOT NULL,
	"reel_id" uuid NOT NULL,
	"user_id" uuid,
	"author_id" uuid NOT NULL,
	"hashtags" text[] DEFAULT '{}'::text[] NOT NULL,
	"channel" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reel_shares_viewer_reel_id_pk" PRIMARY KEY("viewer","reel_id")
);
--> statement-breakpoint
ALTER TABLE "reel_scores" ADD COLUMN "shares" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "reel_shares" ADD CONSTRAINT "reel_shares_reel_id_reels_id_fk" FOREIGN KEY ("reel_id") REFERENCES "public"."reels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reel_shares" ADD CONSTRAINT "reel_shares_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reel_shares_viewer_idx" ON "reel_shares" USING btree ("viewer","created_at" DESC NULLS LAST);