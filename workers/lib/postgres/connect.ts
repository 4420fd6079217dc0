// The one module that knows how the Worker reaches Postgres: through a
// Hyperdrive binding (production: pooled at the edge; local: a direct TCP
// connection to the localConnectionString) with node-postgres.
import type { Duplex } from "node:stream";
import pg from "pg";
import { logger } from "../observability/logger";
import { corkingSocket } from "./corking-socket";

export class PostgresUnreachable extends Error {
	constructor(
		readonly target: string,
		cause: unknown,
	) {
		super(`${target} unreachable: ${(cause as Error)?.message ?? String(cause)}`);
		this.name = "PostgresUnreachable";
	}
}

// Clients being closed on purpose: their socket-closed 'error' is expected, not news.
const closing = new WeakSet<pg.Client>();

/** Opens a client or throws PostgresUnreachable within `timeoutMs`; never hangs. */
export async function connect(binding: Hyperdrive, target: string, timeoutMs: number): Promise<pg.Client> {
	const client = new pg.Client({
		connectionString: binding.connectionString,
		connectionTimeoutMillis: timeoutMs,
		query_timeout: 30_000,
		// pg calls this with the connection's settings; its types say neither that nor that a Workers socket will do.
		stream: ((settings: { ssl?: unknown }) => corkingSocket(Boolean(settings.ssl))) as unknown as () => Duplex,
	});
	// A socket that drops after connect emits 'error'; without a listener it would be an unhandled exception.
	client.on("error", (err) => {
		if (!closing.has(client)) logger.warn("postgres_client_error", { target, error: err.message });
	});
	try {
		await client.connect();
	} catch (err) {
		closing.add(client);
		await client.end().catch(() => undefined);
		throw new PostgresUnreachable(target, err);
	}
	return client;
}

export async function closeQuietly(client: pg.Client | undefined) {
	if (!client) return;
	closing.add(client);
	try {
		await client.end();
	} catch {
		// Already closed by the server or the network: nothing left to release.
	}
}
