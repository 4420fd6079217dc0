ALTER TABLE "users" ADD COLUMN "handle" text DEFAULT ('u' || substr(md5(random()::text), 1, 11)) NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "handle_changed_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "users_handle_key" ON "users" USING btree ("handle");--> statement-breakpoint
CREATE INDEX "users_handle_prefix_idx" ON "users" USING btree ("handle" text_pattern_ops);--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_handle_format" CHECK ("users"."handle" ~ '^[a-z0-9_.]{3,24}$');--> statement-breakpoint
-- Progress is sent on sockets only now (realtime/events.ts TRANSIENT_EVENT_TYPES): the rows it left in inboxes go.
DELETE FROM "notifications" WHERE "type" IN ('TRANSCODE_PROGRESS', 'TRANSCODE_PLAYABLE');
