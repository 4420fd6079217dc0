import { configOf } from "../../lib/config/config";
import { closeQuietly, connect } from "../../lib/postgres/connect";
import { restartWriterIfStale } from "../../lib/postgres/heartbeat";
import { queryReplicaStatus, type ReplicaFreshness } from "../../lib/postgres/replica-status";

const REPLICA_DETAIL: Record<Exclude<ReplicaFreshness, "fresh">, string> = {
	lagging: "heartbeat older than REPLICA_MAX_LAG_SECONDS (or none yet): reads go to the primary",
	disconnected: "the WAL receiver is not streaming from the primary: reads go to the primary",
};

import { transcoderClient } from "../../transcoder/transcoder-client";

/** What a probe reports; extra fields (lag, LSN, …) ride along. */
export type ProbeOutcome = { status: "ok" | "down" | "on_demand"; detail?: string } & Record<string, unknown>;
export type CheckResult = ProbeOutcome & { latencyMs: number };

const CHECK_TIMEOUT_MS = 3_000;

/** Runs one probe with a deadline; a dependency that hangs is reported down, never waited on. */
async function timed(probe: () => Promise<ProbeOutcome>): Promise<CheckResult> {
	const started = Date.now();
	let timer: ReturnType<typeof setTimeout> | undefined;
	const deadline = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS}ms`)), CHECK_TIMEOUT_MS);
	});
	try {
		const result = await Promise.race([probe(), deadline]);
		return { ...result, latencyMs: Date.now() - started };
	} catch (err) {
		return { status: "down", latencyMs: Date.now() - started, detail: (err as Error).message };
	} finally {
		clearTimeout(timer);
	}
}

export const checkD1 = (env: Env) =>
	timed(async () => {
		// d1_migrations exists only once migrations ran: a fresh, unmigrated database is reported down.
		const row = await env.MEDIA_DB.prepare("SELECT count(*) AS applied FROM d1_migrations").first<{ applied: number }>();
		return { status: "ok" as const, migrationsApplied: row?.applied ?? 0 };
	});

export const checkR2 = (env: Env) =>
	timed(async () => {
		await env.MEDIA.head("health/probe");
		return { status: "ok" };
	});

export const checkPrimary = (env: Env) =>
	timed(async () => {
		const client = await connect(env.HYPERDRIVE, "primary", configOf(env).PG_CONNECT_TIMEOUT_MS);
		try {
			const { rows } = await client.query<{ lsn: string; standby: boolean }>(
				"SELECT pg_current_wal_lsn()::text AS lsn, pg_is_in_recovery() AS standby",
			);
			if (rows[0]?.standby) return { status: "down", detail: "HYPERDRIVE points at a standby; writes would fail" };
			return { status: "ok", walLsn: rows[0]?.lsn };
		} finally {
			await closeQuietly(client);
		}
	});

export const checkReplica = (env: Env) =>
	timed(async () => {
		const client = await connect(env.HYPERDRIVE_REPLICA, "replica", configOf(env).PG_CONNECT_TIMEOUT_MS);
		try {
			const s = await queryReplicaStatus(client, configOf(env).REPLICA_MAX_LAG_SECONDS);
			if (s.isStandby) await restartWriterIfStale(env, s.lagSeconds);
			return {
				status: s.state === "fresh" ? "ok" : "down",
				...(s.state === "fresh" ? {} : { detail: REPLICA_DETAIL[s.state] }),
				state: s.state,
				standby: s.isStandby,
				lagSeconds: s.lagSeconds,
				lastContactSeconds: s.lastContactSeconds,
				receiver: s.receiver,
				lagBytes: s.lagBytes,
				replayLsn: s.replayLsn,
			};
		} finally {
			await closeQuietly(client);
		}
	});

export const checkTranscoder = (env: Env) => timed(() => transcoderClient(env).health());
