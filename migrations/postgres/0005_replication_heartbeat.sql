CREATE TABLE "replication_heartbeat" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"beat_at" timestamp with time zone NOT NULL,
	CONSTRAINT "replication_heartbeat_one_row" CHECK ("replication_heartbeat"."id" = 1)
);
