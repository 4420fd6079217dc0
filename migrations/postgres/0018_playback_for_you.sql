-- Playback reports (playback_views), "not interested" and the reels' quality scores: the creator's analytics and the For You feed's signals.
CREATE TABLE "not_interested" (
	"viewer" text NOT NULL,
	"reel_id" uuid NOT NULL,
	"author_id" uuid NOT NULL,
	"hashtags" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "not_interested_viewer_reel_id_pk" PRIMARY KEY("viewer","reel_id")
);
--> statement-breakpoint
CREATE TABLE "playback_views" (
	"view_id" uuid PRIMARY KEY NOT NULL,
	"reel_id" uuid NOT NULL,
	"viewer" text NOT NULL,
	"user_id" uuid,
	"counted" boolean DEFAULT false NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"startup_ms" integer,
	"watched_ms" integer DEFAULT 0 NOT NULL,
	"furthest_ms" integer DEFAULT 0 NOT NULL,
	"completed" boolean DEFAULT false NOT NULL,
	"loops" smallint DEFAULT 0 NOT NULL,
	"rebuffer_count" integer DEFAULT 0 NOT NULL,
	"rebuffer_ms" integer DEFAULT 0 NOT NULL,
	"error_code" text,
	"ended_at" timestamp with time zone,
	CONSTRAINT "playback_views_nonnegative" CHECK ("playback_views"."watched_ms" >= 0 and "playback_views"."furthest_ms" >= 0 and "playback_views"."loops" >= 0 and "playback_views"."rebuffer_count" >= 0 and "playback_views"."rebuffer_ms" >= 0)
);
--> statement-breakpoint
CREATE TABLE "reel_scores" (
	"reel_id" uuid PRIMARY KEY NOT NULL,
	"plays" integer NOT NULL,
	"completions" integer NOT NULL,
	"quick_skips" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "not_interested" ADD CONSTRAINT "not_interested_reel_id_reels_id_fk" FOREIGN KEY ("reel_id") REFERENCES "public"."reels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "playback_views" ADD CONSTRAINT "playback_views_reel_id_reels_id_fk" FOREIGN KEY ("reel_id") REFERENCES "public"."reels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "playback_views" ADD CONSTRAINT "playback_views_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reel_scores" ADD CONSTRAINT "reel_scores_reel_id_reels_id_fk" FOREIGN KEY ("reel_id") REFERENCES "public"."reels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "not_interested_viewer_idx" ON "not_interested" USING btree ("viewer","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "playback_views_reel_idx" ON "playback_views" USING btree ("reel_id","started_at");--> statement-breakpoint
CREATE INDEX "playback_views_viewer_idx" ON "playback_views" USING btree ("viewer","started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "playback_views_started_idx" ON "playback_views" USING btree ("started_at");