// How fresh a standby is, measured so that it cannot be fooled either way:
//   - the heartbeat's age (heartbeat.ts): an idle but healthy replica keeps
//     receiving a beat every second, so it never looks behind for having been
//     quiet; a replica that stops receiving WAL sees its beat grow old;
//   - the WAL receiver's state (pg_stat_wal_receiver): a receiver that is not
//     streaming is reported `disconnected` at once, with the age of its last
//     contact, before the heartbeat has had time to grow old.
import type pg from "pg";

export type ReplicaFreshness = "fresh" | "lagging" | "disconnected";

export interface ReplicaStatus {
	/** False when this server is not a standby at all (misconfigured binding, or no replica deployed). */
	isStandby: boolean;
	/** Has the replica replayed up to `readAfterLsn`? True when none was given. */
	caughtUp: boolean;
	/** Whether token-less reads may be served here, and if not, why. */
	state: ReplicaFreshness;
	/** Seconds since the newest heartbeat the replica has replayed; null before the first beat. */
	lagSeconds: number | null;
	/** Seconds since the WAL receiver last heard from the primary; null when unknown (no receiver, or no privilege to see it). */
	lastContactSeconds: number | null;
	/** The WAL receiver's status (`streaming`, `starting`, …), or null when there is none. */
	receiver: string | null;
	/** Bytes of WAL received but not yet replayed. */
	lagBytes: number;
	replayLsn: string | null;
}

interface StatusRow {
	is_standby: boolean;
	caught_up: boolean;
	heartbeat_age: number | null;
	receivers: number;
	receiver_status: string | null;
	last_contact_age: number | null;
	lag_bytes: number;
	replay_lsn: string | null;
}

/** Pure: what the raw figures mean for routing, given the most lag we tolerate. */
export function judgeReplica(row: StatusRow, maxLagSeconds: number): ReplicaFreshness {
	if (!row.is_standby) return "fresh";
	const receiverDown = row.receivers === 0 || (row.receiver_status !== null && row.receiver_status !== "streaming");
	if (receiverDown) return "disconnected";
	if (row.heartbeat_age === null || row.heartbeat_age > maxLagSeconds) return "lagging";
	return "fresh";
}

/**
 * One round trip that tells how fresh a standby is. Its functions are
 * volatile and it reads a row that changes every second, and Hyperdrive
 * configs are created with caching disabled (docs/deploy.md), so it is never
 * answered from a cache.
 */
export async function queryReplicaStatus(client: pg.Client, maxLagSeconds: number, readAfterLsn?: string): Promise<ReplicaStatus> {
	const { rows } = await client.query<StatusRow>(
		`SELECT pg_is_in_recovery() AS is_standby,
		        COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, $1::pg_lsn IS NULL) AS caught_up,
		        (SELECT GREATEST(EXTRACT(EPOCH FROM now() - beat_at), 0) FROM replication_heartbeat WHERE id = 1)::float8 AS heartbeat_age,
		        (SELECT count(*) FROM pg_stat_wal_receiver)::int AS receivers,
		        (SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS receiver_status,
		        (SELECT EXTRACT(EPOCH FROM now() - last_msg_receipt_time) FROM pg_stat_wal_receiver LIMIT 1)::float8 AS last_contact_age,
		        COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::float8 AS lag_bytes,
		        pg_last_wal_replay_lsn()::text AS replay_lsn`,
		[readAfterLsn ?? null],
	);
	const row = rows[0];
	if (!row) throw new Error("replica status query returned no row");
	return {
		isStandby: row.is_standby,
		caughtUp: row.caught_up,
		state: judgeReplica(row, maxLagSeconds),
		lagSeconds: row.is_standby ? row.heartbeat_age : 0,
		lastContactSeconds: row.last_contact_age,
		receiver: row.receiver_status,
		lagBytes: row.lag_bytes,
		replayLsn: row.replay_lsn,
	};
}
