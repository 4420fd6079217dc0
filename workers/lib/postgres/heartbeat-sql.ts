// The replication heartbeat: the primary rewrites one row every
// HEARTBEAT_INTERVAL_MS, so a replica's copy of that row says how far the
// replica trails (now() - beat_at), idle or busy, and stops advancing when the
// replica is cut off. The pt-heartbeat / freno pattern. The writer is the
// ReplicationHeartbeat Durable Object (its alarm); see docs/architecture.md.
// No Worker types here: the Node test harness writes the same beat.
import type pg from "pg";

export const HEARTBEAT_INTERVAL_MS = 1_000;

/** One beat: an upsert of the single row with the primary's clock. */
export const HEARTBEAT_SQL =
	"INSERT INTO replication_heartbeat (id, beat_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at";

export async function writeHeartbeat(primary: pg.Client): Promise<void> {
	await primary.query(HEARTBEAT_SQL);
}
