import { DurableObject } from "cloudflare:workers";
import { type SlotHolder, type SlotLimits, type SlotRefusal, slotDecision } from "../workers/live/live-slots";

/**
 * A slot not released by its stream (an object that died before ending) is freed after the longest a
 * stream may run (the transcoder's MAX_LIVE_SECONDS, 4 hours) plus a margin.
 */
export const SLOT_MAX_HOLD_MS = (4 * 3600 + 15 * 60) * 1000;

/**
 * The platform's live encoder slots (workers/live/live-slots.ts says why): one object, named "global",
 * whose SQLite table lists the streams holding one. Taken when a publisher connects, released when
 * the stream ends or is deleted.
 */
export class LiveSlots extends DurableObject<Env> {
	private readonly sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		this.sql.exec(
			"CREATE TABLE IF NOT EXISTS slots (stream_id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, address TEXT NOT NULL, acquired_at INTEGER NOT NULL)",
		);
	}

	async acquire(want: SlotHolder, limits: SlotLimits): Promise<{ ok: true } | { ok: false; refused: SlotRefusal }> {
		this.sql.exec("DELETE FROM slots WHERE acquired_at < ?", Date.now() - SLOT_MAX_HOLD_MS);
		const held = this.sql
			.exec<{ stream_id: string; owner_id: string; address: string }>("SELECT stream_id, owner_id, address FROM slots")
			.toArray()
			.map((r) => ({ streamId: r.stream_id, ownerId: r.owner_id, address: r.address }));
		const decision = slotDecision(held, want, limits);
		if (decision.ok) {
			this.sql.exec(
				"INSERT INTO slots (stream_id, owner_id, address, acquired_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
				want.streamId,
				want.ownerId,
				want.address,
				Date.now(),
			);
		}
		return decision;
	}

	async release(streamId: string): Promise<void> {
		this.sql.exec("DELETE FROM slots WHERE stream_id = ?", streamId);
	}

	async held(): Promise<number> {
		return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM slots").one().n;
	}
}
