// Handles given up stay their old owner's for HANDLE_HOLD_DAYS (held_handles), so a renamed
// account's links and @mentions cannot be taken over by someone passing for it.
import { sql } from "drizzle-orm";
import type { Db } from "../../lib/postgres/routed-database";
import { HANDLE_HOLD_DAYS } from "./handle";

/**
 * Serialises, for the rest of the transaction, everything that gives up or takes `handle`: without
 * it, a claim checking the holds while the release is still uncommitted would see none and win.
 * Callers that lock two take them in sorted order, so two renames cannot deadlock.
 */
export async function lockHandles(tx: Db, handles: string[]): Promise<void> {
	for (const h of [...new Set(handles)].sort()) {
		await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`handle:${h}`}, 0))`);
	}
}

/** Until when `handle` is held for an account other than `userId`, or null when it may be taken. */
export async function heldUntil(tx: Db, handle: string, userId: string | null): Promise<Date | null> {
	const { rows } = await tx.execute<{ until: Date }>(sql`
		SELECT released_at + make_interval(days => ${HANDLE_HOLD_DAYS}) AS until FROM held_handles
		WHERE handle = ${handle} AND released_at > now() - make_interval(days => ${HANDLE_HOLD_DAYS})
		  AND user_id IS DISTINCT FROM ${userId}::uuid`);
	const until = rows[0]?.until;
	return until ? new Date(until) : null;
}

/** `userId` gives up `released` for `taken`: the old one is held for them from now, and a hold of theirs on the new one ends. */
export async function moveHold(tx: Db, userId: string, released: string, taken: string): Promise<void> {
	await tx.execute(sql`
		INSERT INTO held_handles (handle, user_id, released_at) VALUES (${released}, ${userId}, now())
		ON CONFLICT (handle) DO UPDATE SET user_id = excluded.user_id, released_at = excluded.released_at`);
	await tx.execute(sql`DELETE FROM held_handles WHERE handle = ${taken} AND user_id = ${userId}`);
}
