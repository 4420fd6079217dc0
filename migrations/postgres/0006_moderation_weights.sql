CREATE TABLE "moderated_videos" (
	"video_asset_id" uuid PRIMARY KEY NOT NULL,
	"author_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "reels" ADD COLUMN "report_weight" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "weight" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "dismissed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "dismissed_reports" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Reports made before weights existed counted one each.
UPDATE "reels" SET "report_weight" = "report_count" WHERE "report_count" > 0;
