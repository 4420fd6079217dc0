-- Live streams (workers/api/live/, durable-objects/live-stream.ts). The LiveStream Durable Object
-- owns a stream's status and writes it here, so streams can be listed and looked up without waking
-- one object per stream. The recording is an ordinary video asset (`asset_id`): its segments live
-- under that asset's prefix, so deleting the asset deletes them, and the owner can post it as a reel.
CREATE TABLE live_streams (
	id TEXT PRIMARY KEY,
	owner_id TEXT NOT NULL,
	asset_id TEXT NOT NULL UNIQUE REFERENCES assets (id) ON DELETE CASCADE,
	-- SHA-256 of the stream key (hex): a leaked database holds no usable key (the key itself is kept by the
	-- stream's Durable Object, for its owner).
	key_hash TEXT NOT NULL,
	title TEXT,
	status TEXT NOT NULL CHECK (status IN ('idle', 'live', 'ended')),
	-- Why it ended: the publisher finished, went away, stalled, sent something that is not media…
	end_reason TEXT,
	duration_ms INTEGER,
	created_at TEXT NOT NULL,
	started_at TEXT,
	ended_at TEXT,
	updated_at TEXT NOT NULL
);
CREATE INDEX live_streams_live ON live_streams (status, started_at DESC);
CREATE INDEX live_streams_owner ON live_streams (owner_id, status);
