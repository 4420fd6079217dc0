// Blocks in Postgres. Blocking ends every follow and pending request between
// the two accounts (counters corrected in the same transaction); from then on
// reel-cards.ts's canSee hides the blocker's reels from the blocked account,
// which makes liking, commenting on and reporting them a 404, and follow-store
// refuses a follow either way.
import { sql } from "drizzle-orm";
import type { Db, RoutedDatabase } from "../../lib/postgres/routed-database";
import { HttpProblem } from "../../lib/problems/http-problem";
import { dropRequest, lockPair, removeFollow, userNotFound } from "./follow-store";

/** `blocker` blocks `blocked` (idempotent). */
export async function block(tx: Db, blocker: string, blocked: string): Promise<void> {
	if (blocker === blocked) throw new HttpProblem(400, "cannot_block_self", "You cannot block yourself.");
	await lockPair(tx, blocker, blocked);
	const { rows } = await tx.execute(sql`
		INSERT INTO blocks (blocker_id, blocked_id) SELECT ${blocker}, id FROM users WHERE id = ${blocked}
		ON CONFLICT DO NOTHING RETURNING 1`);
	if (!rows.length && !(await tx.execute(sql`SELECT 1 FROM users WHERE id = ${blocked}`)).rows.length) throw userNotFound();
	for (const [a, b] of [
		[blocker, blocked],
		[blocked, blocker],
	] as const) {
		await removeFollow(tx, a, b);
		await dropRequest(tx, a, b);
	}
}

/** Lifts a block (idempotent); follows it ended stay ended. */
export async function unblock(tx: Db, blocker: string, blocked: string): Promise<void> {
	await tx.execute(sql`DELETE FROM blocks WHERE blocker_id = ${blocker} AND blocked_id = ${blocked}`);
}

/** Whether `blocker` blocked `viewer` (a read; the replica will do: a block a moment old may let one more request through). */
export async function hasBlocked(db: RoutedDatabase, blocker: string, viewer: string): Promise<boolean> {
	const { rows } = await db.read((q) =>
		q.execute(sql`SELECT 1 FROM blocks WHERE blocker_id = ${blocker}::uuid AND blocked_id = ${viewer}::uuid`),
	);
	return rows.length > 0;
}
