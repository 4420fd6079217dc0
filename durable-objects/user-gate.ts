import { DurableObject } from "cloudflare:workers";
import type { Role } from "../workers/lib/auth/roles";
import { type SessionVerdict, sessionVerdict } from "../workers/lib/auth/session-gate";
import { type GcraDecision, gcra, type Quota } from "../workers/lib/rate-limit/gcra";

const TAT_KEY = "tat";
const NOT_BEFORE_KEY = "not-before";
const ROLE_KEY = "role";
const revokedKey = (sid: string) => `revoked:${sid}`;

/**
 * One per user (named by the user's id): the signed-in request's only stop before its reads. One
 * call answers whether the token's session may still act (workers/lib/auth/session-gate.ts) and
 * takes the user's hourly quota, so a signed-in read needs no round trip to the Postgres primary.
 * It remembers ended sessions only as long as their access tokens live, then forgets them by alarm.
 */
export class UserGate extends DurableObject<Env> {
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
		const [revokedUntil, notBefore, changed] = await Promise.all([
			this.ctx.storage.get<number>(revokedKey(sid)),
			this.ctx.storage.get<{ at: number; until: number }>(NOT_BEFORE_KEY),
			this.ctx.storage.get<{ role: Role; at: number; until: number }>(ROLE_KEY),
		]);
		const live = <T extends { until: number }>(v: T | undefined): T | undefined => (v && v.until > now ? v : undefined);
		const session = sessionVerdict({ revokedUntil, notBefore: live(notBefore)?.at }, issuedAtMs, now);
		// Only tokens issued before the change carry the old role; later ones were issued with the new one.
		// The same millisecond counts as before (the runtime's clock moves only with I/O): for a token
		// issued after the change in that millisecond, the override is the role it already carries.
		const newer = live(changed);
		const role = newer && issuedAtMs <= newer.at ? newer.role : null;
		if (session !== "live" || !quota) return { session, role, decision: null };
		// A quota may name its own bucket (the player's playback reports: hourly-quota.ts), kept apart from the user's requests.
		const tatKey = quota.bucket ? `${TAT_KEY}:${quota.bucket}` : TAT_KEY;
		const decision = gcra(quota, await this.ctx.storage.get<number>(tatKey), now);
		if (decision.allowed) {
			await this.ctx.storage.put(tatKey, decision.tatMs);
			await this.wakeBy(decision.tatMs);
		}
		return { session, role, decision };
	}

	/**
	 * The user's role changed at `atMs`: tokens issued before then act with it, until `untilMs` (when
	 * they have all expired). An older change arriving late is ignored.
	 */
	async setRole(role: Role, atMs: number, untilMs: number): Promise<void> {
		const current = await this.ctx.storage.get<{ at: number }>(ROLE_KEY);
		if (current && current.at > atMs) return;
		await this.ctx.storage.put(ROLE_KEY, { role, at: atMs, until: untilMs });
		await this.wakeBy(untilMs);
	}

	/** The session ended: its access tokens are refused until `untilMs` (when the last of them expires). */
	async revokeSession(sid: string, untilMs: number): Promise<void> {
		await this.ctx.storage.put(revokedKey(sid), untilMs);
		await this.wakeBy(untilMs);
	}

	/** Every access token issued before `atMs` is refused (until `untilMs`, when the last of them expires). */
	async refuseTokensBefore(atMs: number, untilMs: number): Promise<void> {
		await this.ctx.storage.put(NOT_BEFORE_KEY, { at: atMs, until: untilMs });
		await this.wakeBy(untilMs);
	}

	override async alarm() {
		const now = Date.now();
		const all = await this.ctx.storage.list<unknown>();
		let next = Number.POSITIVE_INFINITY;
		for (const [key, value] of all) {
			const until = typeof value === "number" ? value : (value as { until: number }).until;
			if (until <= now) await this.ctx.storage.delete(key);
			else next = Math.min(next, until);
		}
		if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next);
	}

	/** An alarm no later than `atMs`, to forget what no longer matters then. */
	private async wakeBy(atMs: number) {
		const current = await this.ctx.storage.getAlarm();
		if (current === null || current > atMs) await this.ctx.storage.setAlarm(atMs);
	}
}
