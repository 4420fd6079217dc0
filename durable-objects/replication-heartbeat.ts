import { DurableObject } from "cloudflare:workers";
import { configOf } from "../workers/lib/config/config";
import { logger } from "../workers/lib/observability/logger";
import { closeQuietly, connect } from "../workers/lib/postgres/connect";
import { HEARTBEAT_INTERVAL_MS, writeHeartbeat } from "../workers/lib/postgres/heartbeat-sql";

/**
 * The one writer of the replication heartbeat (workers/lib/postgres/heartbeat.ts):
 * a single instance ("primary") whose alarm rewrites the heartbeat row on the
 * primary every HEARTBEAT_INTERVAL_MS, for as long as the deployment lives.
 * Alarms survive restarts and evictions; `start()` is idempotent and is
 * called by the every-minute cron and by any read that finds the heartbeat
 * old, so a writer that stopped for any reason is restarted within seconds.
 */
export class ReplicationHeartbeat extends DurableObject<Env> {
	/** Arms the alarm unless it already is. */
	async start(): Promise<void> {
		if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
	}

	/** When the last beat was written (for tests and operators). */
	async lastBeat(): Promise<number | null> {
		return (await this.ctx.storage.get<number>("lastBeatAt")) ?? null;
	}

	override async alarm(): Promise<void> {
		// Re-armed first, so a beat that fails (the primary down) never stops the cadence.
		await this.ctx.storage.setAlarm(Date.now() + HEARTBEAT_INTERVAL_MS);
		let client: Awaited<ReturnType<typeof connect>> | undefined;
		try {
			client = await connect(this.env.HYPERDRIVE, "primary", configOf(this.env).PG_CONNECT_TIMEOUT_MS);
			await writeHeartbeat(client);
			await this.ctx.storage.put("lastBeatAt", Date.now());
		} catch (err) {
			logger.warn("replication_heartbeat_failed", { error: (err as Error).message });
		} finally {
			await closeQuietly(client);
		}
	}
}
