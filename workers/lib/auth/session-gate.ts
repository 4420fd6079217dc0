// Whether an access token's session may still act, decided without the database:
// the user's UserGate Durable Object (durable-objects/user-gate.ts) remembers the
// sessions ended while their access tokens could still be alive (logout,
// refresh-token reuse), and a time before which every token is refused (a role
// or password change: the client refreshes, and the refresh, which reads the
// primary, issues a token with what is true now). Pure, so it is tested alone.

export type SessionVerdict = "live" | "revoked" | "stale";

export interface GateMemory {
	/** Until when the session's tokens are refused (ms), when it was ended. */
	revokedUntil: number | undefined;
	/** Tokens issued before this instant (ms) are refused. */
	notBefore: number | undefined;
}

export function sessionVerdict(memory: GateMemory, issuedAtMs: number, nowMs: number): SessionVerdict {
	if (memory.revokedUntil !== undefined && memory.revokedUntil > nowMs) return "revoked";
	if (memory.notBefore !== undefined && issuedAtMs < memory.notBefore) return "stale";
	return "live";
}

/** A UUIDv7's creation time (ms): access tokens' `jti` is one, which gives their issue time to the millisecond (`iat` has seconds). */
export function uuidv7Millis(id: string): number {
	return Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16);
}
