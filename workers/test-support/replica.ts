import { env } from "cloudflare:workers";
import { closeQuietly, connect } from "../lib/postgres/connect";

/** Pauses WAL replay on the real standby so it is stale on purpose; returns the resume function. */
export async function pauseReplica(): Promise<() => Promise<void>> {
	const client = await connect(env.HYPERDRIVE_REPLICA, "replica", 2000);
	await client.query("SELECT pg_wal_replay_pause()");
	return async () => {
		await client.query("SELECT pg_wal_replay_resume()");
		await closeQuietly(client);
	};
}

/** Polls (bounded) until the standby has replayed `lsn`. */
export async function waitForReplay(lsn: string) {
	const client = await connect(env.HYPERDRIVE_REPLICA, "replica", 2000);
	try {
		for (let i = 0; i < 100; i++) {
			const { rows } = await client.query<{ ok: boolean }>("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok", [lsn]);
			if (rows[0]?.ok) return;
			await new Promise((r) => setTimeout(r, 50));
		}
		throw new Error(`replica did not replay ${lsn} within 5s`);
	} finally {
		await closeQuietly(client);
	}
}
