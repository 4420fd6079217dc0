// Who may hold a live encoder. Each live stream that has a publisher takes an
// instance of the live container pool for as long as it runs (up to the
// transcoder's 4-hour MAX_LIVE_SECONDS), whatever it sends: a tiny picture at
// 1 fps costs a slot like a 720p stream. So slots are counted, in one
// LiveSlots Durable Object (single-writer: two publishers connecting at once
// cannot both take the last one), against three limits: the platform's
// (below the pool's max_instances, so reconnects and a new generation find an
// instance), each account's and each address's. This module is the pure rule.

export interface SlotHolder {
	streamId: string;
	ownerId: string;
	/** The publisher's address bucket (rate-limit/client-ip.ts), never the raw address. */
	address: string;
}

export interface SlotLimits {
	platform: number;
	perAccount: number;
	perAddress: number;
}

export type SlotRefusal = "platform" | "account" | "address";

/** Whether `want` may take a slot beside `held`; a stream that already holds one keeps it (a reconnect). */
export function slotDecision(held: SlotHolder[], want: SlotHolder, limits: SlotLimits): { ok: true } | { ok: false; refused: SlotRefusal } {
	if (held.some((h) => h.streamId === want.streamId)) return { ok: true };
	if (held.length >= limits.platform) return { ok: false, refused: "platform" };
	if (held.filter((h) => h.ownerId === want.ownerId).length >= limits.perAccount) return { ok: false, refused: "account" };
	if (held.filter((h) => h.address === want.address).length >= limits.perAddress) return { ok: false, refused: "address" };
	return { ok: true };
}
