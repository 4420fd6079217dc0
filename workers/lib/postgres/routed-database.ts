import type pg from "pg";
import { configOf } from "../config/config";
import { isFreshId } from "../ids/uuidv7";
import { logger } from "../observability/logger";
import { HttpProblem, unavailable } from "../problems/http-problem";
import { closeQuietly, connect, PostgresUnreachable } from "./connect";
import { isConnectionLost } from "./connection-lost";
import { CONSISTENCY_HEADER, compareLsn } from "./consistency-token";
import { type Db, drizzleOn } from "./drizzle-on";
import { restartWriterIfStale } from "./heartbeat";
import { queryReplicaStatus, type ReplicaStatus } from "./replica-status";

export type { Db };
/** Why a read went where it went; surfaced as `x-db-read` for tests, benchmarks and debugging. */
export type ReadDecision =
	| { source: "replica" }
	| {
			source: "primary";
			reason:
				| "wrote_in_request"
				| "replica_unreachable"
				| "replica_behind_token"
				| "replica_lagging"
				| "replica_disconnected"
				| "fresh_id_miss";
	  }
	| { source: "replica"; reason: "primary_unreachable_stale_read" };

const PRIMARY_RETRY_AFTER_S = 5;

/** How long one isolate reuses a replica's status (its lag judgement and replay position). */
export const REPLICA_STATUS_TTL_MS = 1_000;
const recentStatus = new Map<string, { at: number; status: ReplicaStatus }>();

/** Whether a status read earlier shows the replica has replayed `token` (no token: any will do). */
function coveredBy(status: ReplicaStatus, token: string | undefined): boolean {
	if (!status.isStandby) return true;
	if (!token) return true;
	return status.replayLsn !== null && compareLsn(status.replayLsn, token) >= 0;
}

/**
 * Per-request Postgres access with read/write routing: writes on the primary
 * (`HYPERDRIVE`), reads on the replica (`HYPERDRIVE_REPLICA`) unless the
 * caller's consistency token says the replica has not seen its writes yet.
 * Connections open lazily and are released by `close()`.
 *
 * @example
 *   const user = await db.read((q) => q.query.users.findFirst({ where: eq(users.id, id) }));
 *   await db.write((q) => q.insert(users).values(row));
 */
export class RoutedDatabase {
	private primary?: Promise<pg.Client>;
	private replica?: Promise<pg.Client>;
	private decision?: Promise<ReadDecision>;
	/** Whether this request wrote; and the WAL position read after its last write, once asked for. */
	private wrote = false;
	private lastWriteLsn?: string;
	private lastRead?: ReadDecision;
	/** Statements sent to each server by this request (connection set-up aside): the `x-request-cost` header. */
	readonly roundTrips = { primary: 0, replica: 0 };

	constructor(
		private readonly env: Env,
		/** The newest WAL position this client has written, from its token. */
		private readAfterLsn?: string,
		/** Work that may outlive the request (`ctx.waitUntil`); outside a request it simply runs on. */
		private readonly defer: (work: Promise<unknown>) => void = () => undefined,
		/**
		 * Where `readAfterLsn` came from. A header the client sent is refused (400) when it
		 * is ahead of the primary; a cookie is dropped instead, so that a cookie left over
		 * from a reset database cannot lock a browser out.
		 */
		private readonly tokenFrom: "header" | "cookie" = "header",
	) {}

	/**
	 * Raises the position reads must reflect, e.g. to the one stamped into an
	 * access token when its session was created. Call before the first read.
	 */
	readAtLeast(lsn: string | undefined): void {
		if (!lsn || this.decision) return;
		if (!this.readAfterLsn || compareLsn(lsn, this.readAfterLsn) > 0) this.readAfterLsn = lsn;
	}

	/** Runs `fn` on the primary and records the WAL position for the response's token. */
	async write<T>(fn: (db: Db) => Promise<T>): Promise<T> {
		const client = await this.primaryClient().catch((err) => {
			if (err instanceof PostgresUnreachable) {
				throw unavailable("primary_unavailable", "Writes are paused: the primary database is unreachable.", PRIMARY_RETRY_AFTER_S);
			}
			throw err;
		});
		try {
			return await fn(drizzleOn(client));
		} finally {
			// Where the WAL stands is read once, when the token is asked for (consistencyToken): a request
			// that writes three times needs one position, and background work (the outbox's claim, inbox
			// and delete) needs none. Reads after a write in this request go to the primary meanwhile.
			// Also when `fn` failed: it may have committed something before it did.
			this.wrote = true;
			this.lastWriteLsn = undefined;
		}
	}

	/** Runs `fn` where the routing decides (replica when fresh enough, else primary). */
	async read<T>(fn: (db: Db) => Promise<T>): Promise<T> {
		const decision = await this.readDecision();
		this.lastRead = decision;
		const client = decision.source === "replica" ? await this.replicaClient() : await this.readablePrimary();
		try {
			return await fn(drizzleOn(client));
		} catch (err) {
			// Through a pool (Hyperdrive; PgBouncer locally) a connection opens whatever the server behind it is
			// doing, so a server that went away shows up here, as a lost connection mid-read, not at connect.
			// A read is safe to repeat: once, on the other server, as the routing would have sent it had it known.
			const other = isConnectionLost(err) ? this.fallbackFor(decision) : undefined;
			if (!other) throw err;
			this.lastRead = other;
			this.decision = Promise.resolve(other);
			const retry = other.source === "replica" ? await this.replicaClient() : await this.readablePrimary();
			return fn(drizzleOn(retry));
		}
	}

	/** Where a read goes when its server was lost mid-read: the primary for the replica; a stale replica read for a primary read that was only a preference. */
	private fallbackFor(decision: ReadDecision): ReadDecision | undefined {
		if (decision.source === "replica") {
			if ("reason" in decision) return undefined; // already the last resort: the primary is down too
			this.forgetReplica();
			return { source: "primary", reason: "replica_unreachable" };
		}
		if (decision.reason === "replica_lagging" || decision.reason === "replica_disconnected" || decision.reason === "replica_behind_token") {
			this.dropClient("primary");
			return { source: "replica", reason: "primary_unreachable_stale_read" };
		}
		return undefined;
	}

	/** The replica was lost: its client is dropped, and no isolate-cached status vouches for it any more. */
	private forgetReplica() {
		this.dropClient("replica");
		recentStatus.delete(this.env.HYPERDRIVE_REPLICA.connectionString);
	}

	/** A server lost mid-read: its client is closed in the background, and the next use connects afresh. */
	private dropClient(server: "primary" | "replica") {
		const lost = this[server];
		this[server] = undefined;
		void lost?.then(closeQuietly, () => undefined);
	}

	/**
	 * A read of one object by its id: routed like `read`, but when the replica
	 * answers "not found" for an id minted within the lag we tolerate
	 * (REPLICA_MAX_LAG_SECONDS; UUIDv7 ids carry their creation time), the
	 * primary is asked once more. A client that made an object and fetches it
	 * by id gets it whether or not it sent its consistency token; old and
	 * random ids (any UUID that is not a recent v7) never reach the primary this way.
	 */
	async readById<T>(id: string, fn: (db: Db) => Promise<T | undefined>): Promise<T | undefined> {
		const found = await this.read(fn);
		const servedBy = this.lastRead;
		// Only a plain replica read: not one served there because the primary is down.
		if (found !== undefined || servedBy?.source !== "replica" || "reason" in servedBy) return found;
		if (!isFreshId(id, configOf(this.env).REPLICA_MAX_LAG_SECONDS * 1000)) return found;
		this.lastRead = { source: "primary", reason: "fresh_id_miss" };
		return fn(drizzleOn(await this.readablePrimary()));
	}

	/**
	 * Reads on the primary whatever the routing says: for the rare read that
	 * must not miss a row written moments ago by a client that carries no token
	 * (a session created by the login that returned this very access token).
	 */
	async readFromPrimary<T>(fn: (db: Db) => Promise<T>): Promise<T> {
		return fn(drizzleOn(await this.readablePrimary()));
	}

	/**
	 * Reads on the primary, and on the replica only when the primary cannot be
	 * reached: for checks that must see the newest write when they can (a
	 * revoked session), but should not stop every read during a primary outage.
	 */
	async readPreferringPrimary<T>(fn: (db: Db) => Promise<T>): Promise<T> {
		let client: pg.Client;
		try {
			client = await this.primaryClient();
		} catch (err) {
			if (!(err instanceof PostgresUnreachable)) throw err;
			return this.read(fn);
		}
		return fn(drizzleOn(client));
	}

	/** The routing decision for this request's reads (made once, on first read). */
	readDecision(): Promise<ReadDecision> {
		if (this.wrote) return Promise.resolve({ source: "primary", reason: "wrote_in_request" });
		this.decision ??= this.decide();
		return this.decision;
	}

	/** Where the last read of this request went, if it read at all. */
	lastReadDecision(): ReadDecision | undefined {
		return this.lastRead;
	}

	/**
	 * The WAL position to hand back to the client, if this request wrote: the primary's insert
	 * position after the request's writes, read once (one statement on the connection that wrote).
	 * The insert position, not pg_current_wal_lsn(): with asynchronous commit the commit record may
	 * still sit in WAL buffers, past the write position.
	 */
	async consistencyToken(): Promise<string | undefined> {
		if (!this.wrote || this.lastWriteLsn) return this.lastWriteLsn;
		try {
			const { rows } = await (await this.primaryClient()).query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
			this.lastWriteLsn = rows[0]?.lsn;
		} catch (err) {
			// The writes are committed, so what they answer stands; without a token the caller's next read
			// may reach the replica before them (read-your-writes lost once), which beats answering a
			// committed write (a refresh token's rotation, say) with an error that invites a retry.
			logger.warn("consistency_token_unavailable", { error: (err as Error).message });
		}
		return this.lastWriteLsn;
	}

	async close(): Promise<void> {
		const clients = [this.primary, this.replica].map((p) => p?.catch(() => undefined));
		await Promise.all(clients.map(async (p) => closeQuietly(await p)));
	}

	private async decide(): Promise<ReadDecision> {
		const state = await this.replicaState().catch(() => undefined);
		if (!state) return this.primaryOr({ source: "primary", reason: "replica_unreachable" });
		// A deployment without a replica may point both bindings at the primary: always fresh.
		if (!state.isStandby) return { source: "replica" };
		const restarting = restartWriterIfStale(this.env, state.lagSeconds);
		if (restarting) this.defer(restarting);
		if (!state.caughtUp) {
			if (!(await this.tokenIsReal())) return this.decide();
			return this.primaryOr({ source: "primary", reason: "replica_behind_token" });
		}
		// With or without a token, a replica cut off or far behind serves nobody: a token proves the
		// caller's own writes are there, not that everyone else's are.
		if (state.state === "disconnected") return this.primaryOr({ source: "primary", reason: "replica_disconnected" });
		if (state.state === "lagging") return this.primaryOr({ source: "primary", reason: "replica_lagging" });
		return { source: "replica" };
	}

	/**
	 * A token no write ever returned (one ahead of the primary's WAL) would send every
	 * read of its bearer to the primary, for free, for as long as they like: refused
	 * (header) or forgotten (cookie). Checked only when the replica is behind the token,
	 * which is the only case in which a token costs the primary anything.
	 */
	private async tokenIsReal(): Promise<boolean> {
		const token = this.readAfterLsn;
		if (!token) return true;
		let primaryLsn: string | undefined;
		try {
			const { rows } = await (await this.primaryClient()).query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
			primaryLsn = rows[0]?.lsn;
		} catch {
			return true; // cannot check: the routing serves a stale replica read anyway
		}
		if (!primaryLsn || compareLsn(token, primaryLsn) <= 0) return true;
		if (this.tokenFrom === "header") {
			throw new HttpProblem(400, "invalid_consistency_token", `${CONSISTENCY_HEADER} is ahead of every write the database has seen`);
		}
		this.readAfterLsn = undefined;
		return false;
	}

	/** Prefers the primary, but a stale read beats no read when the primary is down too. */
	private async primaryOr(wanted: ReadDecision): Promise<ReadDecision> {
		if (wanted.source !== "primary" || wanted.reason === "replica_unreachable") return wanted;
		try {
			await this.primaryClient();
			return wanted;
		} catch {
			return { source: "replica", reason: "primary_unreachable_stale_read" };
		}
	}

	/**
	 * The replica's state. A status this isolate read less than REPLICA_STATUS_TTL_MS ago is reused
	 * (the replica still has to be reachable): a replica's replay position only moves forward, so
	 * one that had replayed the caller's token then has replayed it now; a token past it is asked
	 * of the replica again. This saves the status query on most reads: one replica round trip, the read.
	 */
	private async replicaState(): Promise<ReplicaStatus> {
		const client = await this.replicaClient();
		const key = this.env.HYPERDRIVE_REPLICA.connectionString;
		const now = Date.now();
		const cached = recentStatus.get(key);
		if (cached && now - cached.at < REPLICA_STATUS_TTL_MS && coveredBy(cached.status, this.readAfterLsn)) {
			return { ...cached.status, caughtUp: true };
		}
		const status = await queryReplicaStatus(client, configOf(this.env).REPLICA_MAX_LAG_SECONDS, this.readAfterLsn);
		// One entry per replica binding; a bound keeps a changing connection string from growing the map.
		if (recentStatus.size > 16) recentStatus.clear();
		recentStatus.set(key, { at: now, status });
		return status;
	}

	private async readablePrimary(): Promise<pg.Client> {
		try {
			return await this.primaryClient();
		} catch (err) {
			if (err instanceof PostgresUnreachable) {
				throw unavailable("database_unavailable", "No database server is reachable right now.", PRIMARY_RETRY_AFTER_S);
			}
			throw err;
		}
	}

	private primaryClient(): Promise<pg.Client> {
		this.primary ??= connect(this.env.HYPERDRIVE, "primary", configOf(this.env).PG_CONNECT_TIMEOUT_MS).then((c) =>
			this.counted(c, "primary"),
		);
		return this.primary;
	}

	private replicaClient(): Promise<pg.Client> {
		this.replica ??= connect(this.env.HYPERDRIVE_REPLICA, "replica", configOf(this.env).PG_CONNECT_TIMEOUT_MS).then((c) =>
			this.counted(c, "replica"),
		);
		return this.replica;
	}

	/** Counts every statement the client sends (drizzle and raw queries alike go through `query`). */
	private counted(client: pg.Client, server: "primary" | "replica"): pg.Client {
		const query = client.query.bind(client) as (...args: unknown[]) => unknown;
		const trips = this.roundTrips;
		(client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
			trips[server]++;
			return query(...args);
		};
		return client;
	}
}

/**
 * A RoutedDatabase for work outside a request (queue consumers, crons,
 * tests), closed however `fn` ends. Requests get theirs from the postgres() middleware.
 *
 * @example const n = await withDatabase(env, (db) => db.write((q) => q.delete(outbox)));
 */
export async function withDatabase<T>(env: Env, fn: (db: RoutedDatabase) => Promise<T>): Promise<T> {
	const db = new RoutedDatabase(env);
	try {
		return await fn(db);
	} finally {
		await db.close();
	}
}
