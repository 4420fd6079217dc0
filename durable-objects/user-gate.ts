import { DurableObject } from "cloudflare:workers";
import type { Role } from "../workers/lib/auth/roles";
import { type SessionVerdict, sessionVerdict } from "../workers/lib/auth/session-gate";
import { type GcraDecision, gcra, type Quota } from "../workers/lib/rate-limit/gcra";
import { PERSIST_BACKLOG_MS } from "./rate-limiter";

const TAT_KEY = "tat";
const NOT_BEFORE_KEY = "not-before";
const ROLE_KEY = "role";
const REVOKED_PREFIX = "revoked:";

/**
 * One per user (named by the user's id): the signed-in request's only stop before its reads. One
 * call answers whether the token's session may still act (workers/lib/auth/session-gate.ts) and
 * takes the user's hourly quota, so a signed-in read needs no round trip to the Postgres primary.
 * It remembers ended sessions only as long as their access tokens live, then forgets them by alarm.
 *
 * What it knows lives in memory, read from storage once when the instance starts: an admit is no
 * storage operation at all. Changes (an ended session, a role, a password) are written before they
 * are acknowledged; the quota's timestamp is written only once its backlog matters, as in the
 * RateLimiter (PERSIST_BACKLOG_MS): a storage write, an alarm read and three reads a signed-in
 * request were most of the gate's cost, and a write a request is billed (docs/capacity.md).
 */
export class UserGate extends DurableObject<Env> {
	private revoked = new Map<string, number>();
	private notBefore: { at: number; until: number } | undefined;
	private changed: { role: Role; at: number; until: number } | undefined;
	/** Quota timestamps by storage key (`tat`, `tat:<bucket>`), and which of them storage holds. */
	private tats = new Map<string, number>();
	private storedTats = new Set<string>();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		// Before any call is delivered, so no admit ever sees a half-read state.
		void ctx.blockConcurrencyWhile(() => this.load());
	}

	private async load() {
		for (const [key, value] of await this.ctx.storage.list<unknown>()) {
			if (key.startsWith(REVOKED_PREFIX)) this.revoked.set(key.slice(REVOKED_PREFIX.length), value as number);
			else if (key === NOT_BEFORE_KEY) this.notBefore = value as { at: number; until: number };
			else if (key === ROLE_KEY) this.changed = value as { role: Role; at: number; until: number };
			else if (key === TAT_KEY || key.startsWith(`${TAT_KEY}:`)) {
				this.tats.set(key, value as number);
				this.storedTats.add(key);
			}
		}
	}

	/**
	 * The session's verdict; the user's role when it changed less than a token's lifetime ago (it
	 * overrides the role in tokens issued before the change); and, when `quota` is given and the
	 * session is live, the quota decision.
	 */
	async admit(
		sid: string,
		issuedAtMs: number,
		quota: (Quota & { bucket?: string }) | null,
	): Promise<{ session: SessionVerdict; role: Role | null; decision: GcraDecision | null }> {
		const now = Date.now();
		const live = <T extends { until: number }>(v: T | undefined): T | undefined => (v && v.until > now ? v : undefined);
		const session = sessionVerdict({ revokedUntil: this.revoked.get(sid), notBefore: live(this.notBefore)?.at }, issuedAtMs, now);
		// Only tokens issued before the change carry the old role; later ones were issued with the new one.
		// The same millisecond counts as before (the runtime's clock moves only with I/O): for a token
		// issued after the change in that millisecond, the override is the role it already carries.
		const newer = live(this.changed);
		const role = newer && issuedAtMs <= newer.at ? newer.role : null;
		if (session !== "live" || !quota) return { session, role, decision: null };
		// A quota may name its own bucket (the player's playback reports: hourly-quota.ts), kept apart from the user's requests.
		const tatKey = quota.bucket ? `${TAT_KEY}:${quota.bucket}` : TAT_KEY;
		const decision = gcra(quota, this.tats.get(tatKey), now);
		if (decision.allowed) await this.rememberTat(tatKey, decision.tatMs, now);
		return { session, role, decision };
	}

	/**
	 * The user's role changed at `atMs`: tokens issued before then act with it, until `untilMs` (when
	 * they have all expired). An older change arriving late is ignored.
	 */
	async setRole(role: Role, atMs: number, untilMs: number): Promise<void> {
		if (this.changed && this.changed.at > atMs) return;
		const changed = { role, at: atMs, until: untilMs };
		await this.ctx.storage.put(ROLE_KEY, changed);
		this.changed = changed;
		await this.wakeBy(untilMs);
	}

	/** The session ended: its access tokens are refused until `untilMs` (when the last of them expires). */
	async revokeSession(sid: string, untilMs: number): Promise<void> {
		await this.ctx.storage.put(REVOKED_PREFIX + sid, untilMs);
		this.revoked.set(sid, untilMs);
		await this.wakeBy(untilMs);
	}

	/** Every access token issued before `atMs` is refused (until `untilMs`, when the last of them expires). */
	async refuseTokensBefore(atMs: number, untilMs: number): Promise<void> {
		const notBefore = { at: atMs, until: untilMs };
		await this.ctx.storage.put(NOT_BEFORE_KEY, notBefore);
		this.notBefore = notBefore;
		await this.wakeBy(untilMs);
	}

	override async alarm() {
		const now = Date.now();
		const all = await this.ctx.storage.list<unknown>();
		let next = Number.POSITIVE_INFINITY;
		for (const [key, value] of all) {
			const until = typeof value === "number" ? value : (value as { until: number }).until;
			if (until > now) {
				next = Math.min(next, until);
				continue;
			}
			await this.ctx.storage.delete(key);
			if (key.startsWith(REVOKED_PREFIX)) this.revoked.delete(key.slice(REVOKED_PREFIX.length));
			else if (key === NOT_BEFORE_KEY) this.notBefore = undefined;
			else if (key === ROLE_KEY) this.changed = undefined;
			else this.storedTats.delete(key);
		}
		if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next);
	}

	/** The quota's new timestamp: in memory; in storage too once its backlog is worth keeping through an eviction. */
	private async rememberTat(key: string, tat: number, now: number) {
		this.tats.set(key, tat);
		if (tat - now <= PERSIST_BACKLOG_MS) return;
		await this.ctx.storage.put(key, tat);
		if (!this.storedTats.has(key)) {
			this.storedTats.add(key);
			await this.wakeBy(tat);
		}
	}

	/** An alarm no later than `atMs`, to forget what no longer matters then. */
	private async wakeBy(atMs: number) {
		const current = await this.ctx.storage.getAlarm();
		if (current === null || current > atMs) await this.ctx.storage.setAlarm(atMs);
	}
}
