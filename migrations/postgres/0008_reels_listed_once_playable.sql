DROP INDEX "reels_public_idx";--> statement-breakpoint
DROP INDEX "reels_trending_window_idx";--> statement-breakpoint
CREATE INDEX "reels_public_idx" ON "reels" USING btree ("id" DESC NULLS LAST) WHERE media_status in ('playable', 'ready') and hidden_at is null;--> statement-breakpoint
CREATE INDEX "reels_trending_window_idx" ON "reels" USING btree ("created_at") WHERE media_status in ('playable', 'ready') and hidden_at is null;