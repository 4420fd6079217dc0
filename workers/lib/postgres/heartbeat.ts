// Keeping the replication heartbeat's writer (the ReplicationHeartbeat
// Durable Object) running; the beat itself is in heartbeat-sql.ts.
/** A heartbeat older than this means the writer may have stopped: readers restart it. */
const RESTART_WRITER_AFTER_S = 5;
/** Per isolate, at most one restart request this often. */
const RESTART_EVERY_MS = 10_000;
let lastRestartAt = 0;

/**
 * Asks the deployment's single heartbeat writer (the ReplicationHeartbeat
 * Durable Object) to run; idempotent. The cron calls it every minute; readers
 * call it, at most every RESTART_EVERY_MS per isolate, when the heartbeat
 * they see is older than RESTART_WRITER_AFTER_S (a fresh deployment, or a
 * writer that stopped).
 */
export function startHeartbeatWriter(env: Env): Promise<void> {
	lastRestartAt = Date.now();
	return env.REPLICATION_HEARTBEAT.getByName("primary").start();
}

/** Restarts the writer when `heartbeatAgeSeconds` says it may have stopped; the promise to wait on, if it asked. */
export function restartWriterIfStale(env: Env, heartbeatAgeSeconds: number | null): Promise<void> | undefined {
	const stale = heartbeatAgeSeconds === null || heartbeatAgeSeconds > RESTART_WRITER_AFTER_S;
	if (!stale || Date.now() - lastRestartAt < RESTART_EVERY_MS) return undefined;
	return startHeartbeatWriter(env).catch(() => undefined);
}
