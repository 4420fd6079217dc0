import { DurableObject } from "cloudflare:workers";
import type { ApiScope } from "../workers/lib/auth/api-keys";
import { type GcraDecision, gcra, type Quota } from "../workers/lib/rate-limit/gcra";

/** What the gate knows of one key. */
export interface ApiKeyRecord {
	/** SHA-256 (hex) of the whole key. */
	hash: string;
	scopes: ApiScope[];
	/** Milliseconds since the epoch, or null for a key that does not expire. */
	expiresAtMs: number | null;
}

export type KeyAdmission = { scopes: ApiScope[]; expiresAtMs: number | null; decision: GcraDecision | null } | null;

const TAT = "tat";
const keyOf = (id: string) => `key:${id}`;
const usedOf = (id: string) => `used:${id}`;
/** A revoked key's id, kept so that a creation still in flight cannot bring it back. */
const revokedOf = (id: string) => `revoked:${id}`;
/** Last use is written at most this often: a busy key should not cost a storage write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * One per account with API keys (named by the owner's id, which every key carries): the only stop
 * of a request that presents a key. One call says whether the key is live (the right secret, not
 * revoked, not expired) and takes the owner's keys' hourly quota, one budget for all of them, so a
 * request with a key needs no database and twenty keys are not twenty budgets. Postgres
 * (`api_keys`) lists keys for their owner; this object decides.
 */
export class ApiKeyGate extends DurableObject<Env> {
	/** Stores a new key; false when it was revoked while its creation was in flight (it stays refused). */
	async install(id: string, record: ApiKeyRecord): Promise<boolean> {
		if (await this.ctx.storage.get(revokedOf(id))) return false;
		await this.ctx.storage.put(keyOf(id), record);
		if (record.expiresAtMs !== null) await this.wakeBy(record.expiresAtMs);
		return true;
	}

	/** The key's scopes when `hash` is its hash and it is live (with the quota taken when `quota` is given); else null. */
	async admit(id: string, hash: string, quota: Quota | null): Promise<KeyAdmission> {
		const record = await this.ctx.storage.get<ApiKeyRecord>(keyOf(id));
		const now = Date.now();
		if (!record || record.hash !== hash || (record.expiresAtMs !== null && record.expiresAtMs <= now)) return null;
		const writes: Record<string, number> = {};
		if (now - ((await this.ctx.storage.get<number>(usedOf(id))) ?? 0) >= LAST_USED_RESOLUTION_MS) writes[usedOf(id)] = now;
		let decision: GcraDecision | null = null;
		if (quota) {
			decision = gcra(quota, await this.ctx.storage.get<number>(TAT), now);
			if (decision.allowed) writes[TAT] = decision.tatMs;
		}
		if (Object.keys(writes).length) await this.ctx.storage.put(writes);
		return { scopes: record.scopes, expiresAtMs: record.expiresAtMs, decision };
	}

	/** When each key was last presented and admitted (to the minute; milliseconds since the epoch), or null. */
	async lastUsed(ids: string[]): Promise<(number | null)[]> {
		const used = await this.ctx.storage.get<number>(ids.map(usedOf));
		return ids.map((id) => used.get(usedOf(id)) ?? null);
	}

	/** Refuses the key from the next request on, and for good. */
	async revoke(id: string): Promise<void> {
		await this.ctx.storage.put(revokedOf(id), true);
		await this.ctx.storage.delete([keyOf(id), usedOf(id)]);
	}

	/** Forgets expired keys (they are refused either way) and wakes again for the next to expire. */
	override async alarm() {
		const now = Date.now();
		let next = Number.POSITIVE_INFINITY;
		for (const [key, record] of await this.ctx.storage.list<ApiKeyRecord>({ prefix: "key:" })) {
			if (record.expiresAtMs === null) continue;
			if (record.expiresAtMs <= now) await this.ctx.storage.delete(key);
			else next = Math.min(next, record.expiresAtMs);
		}
		if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next);
	}

	private async wakeBy(atMs: number) {
		const current = await this.ctx.storage.getAlarm();
		if (current === null || current > atMs) await this.ctx.storage.setAlarm(atMs);
	}
}
