import type pg from "pg";

export interface ReplicaStatus {
	/** False when this server is not a standby at all (misconfigured binding). */
	isStandby: boolean;
	/** Has the replica replayed up to `readAfterLsn`? True when none was given. */
	caughtUp: boolean;
	/** Seconds of replay delay; 0 when everything received is replayed. */
	lagSeconds: number;
	/** Bytes of WAL received but not yet replayed. */
	lagBytes: number;
	replayLsn: string | null;
}

/**
 * One round trip that tells how fresh a standby is. The functions are
 * volatile, so Hyperdrive never answers this from its query cache.
 */
export async function queryReplicaStatus(client: pg.Client, readAfterLsn?: string): Promise<ReplicaStatus> {
	const { rows } = await client.query<{
		is_standby: boolean;
		caught_up: boolean;
		lag_seconds: number;
		lag_bytes: number;
		replay_lsn: string | null;
	}>(
		`SELECT pg_is_in_recovery() AS is_standby,
		        COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, $1::pg_lsn IS NULL) AS caught_up,
		        CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
		             ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
		        END::float8 AS lag_seconds,
		        COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::float8 AS lag_bytes,
		        pg_last_wal_replay_lsn()::text AS replay_lsn`,
		[readAfterLsn ?? null],
	);
	const row = rows[0];
	if (!row) throw new Error("replica status query returned no row");
	return {
		isStandby: row.is_standby,
		caughtUp: row.caught_up,
		lagSeconds: row.lag_seconds,
		lagBytes: row.lag_bytes,
		replayLsn: row.replay_lsn,
	};
}
