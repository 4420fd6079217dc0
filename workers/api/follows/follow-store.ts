// Follows in Postgres. The edge and both users' counters change in one
// transaction, the counters in a single UPDATE over both rows (so two people
// following each other at once cannot deadlock), and only when the edge
// really changed.
import { sql } from "drizzle-orm";
import { CURSOR_TIME_FORMAT } from "../../lib/pagination/cursor-codec";
import type { Db, RoutedDatabase } from "../../lib/postgres/routed-database";
import { HttpProblem } from "../../lib/problems/http-problem";
import type { Emit } from "../../realtime/outbox";

export const userNotFound = () => new HttpProblem(404, "user_not_found", "No user with that id.");

async function followerCount(q: Db, id: string): Promise<number> {
	const { rows } = await q.execute<{ follower_count: number }>(sql`SELECT follower_count FROM users WHERE id = ${id}`);
	const row = rows[0];
	if (!row) throw userNotFound();
	return row.follower_count;
}

/** An account's display name, for the events that say who did something ("" when it is gone). */
async function nameOf(tx: Db, id: string): Promise<string> {
	const { rows } = await tx.execute<{ name: string }>(sql`SELECT name FROM users WHERE id = ${id}`);
	return rows[0]?.name ?? "";
}

/** The UPDATE of both users' counters: +1 or -1 for the edge (a caller may add to its WHERE). */
const countsChange = (follower: string, followee: string, delta: 1 | -1) => sql`
		UPDATE users SET
			follower_count = follower_count + CASE WHEN id = ${followee}::uuid THEN ${delta}::int ELSE 0 END,
			following_count = following_count + CASE WHEN id = ${follower}::uuid THEN ${delta}::int ELSE 0 END
		WHERE id IN (${follower}::uuid, ${followee}::uuid)`;

/** Adjusts both users' counters in one statement: +1 or -1 when the edge changed. */
const adjustCounts = (q: Db, follower: string, followee: string, delta: 1 | -1) => q.execute(countsChange(follower, followee, delta));

export interface FollowOutcome {
	following: boolean;
	/** A follow of a private account waits for its owner's approval. */
	requested: boolean;
	followerCount: number;
}

/**
 * Locks both accounts' rows, in id order, for the rest of the transaction. Every change to the edge
 * between two accounts (follow, approve, block) takes this first, so they run one after the other:
 * a follow racing a block either lands before it (and the block removes it) or sees it. The state is
 * read after the lock, in a statement of its own (READ COMMITTED: a fresh snapshot).
 */
export async function lockPair(tx: Db, a: string, b: string): Promise<void> {
	await tx.execute(sql`SELECT id FROM users WHERE id IN (${a}::uuid, ${b}::uuid) ORDER BY id FOR NO KEY UPDATE`);
}

export const blockedProblem = () => new HttpProblem(403, "blocked", "You cannot follow or interact with this account.");

/**
 * Adds the edge and both counters (once, in one statement), and tells the followee. Returns whether
 * the edge is new. The caller holds the pair's lock (lockPair) and read the follower's name with the
 * state, so the event costs no statement of its own.
 */
async function addFollow(tx: Db, emit: Emit, follower: string, followee: string, followerName: string): Promise<boolean> {
	const { rows } = await tx.execute(sql`
		WITH added AS (INSERT INTO follows (follower_id, followee_id) VALUES (${follower}, ${followee})
		               ON CONFLICT DO NOTHING RETURNING followee_id)
		${countsChange(follower, followee, 1)} AND EXISTS (SELECT 1 FROM added)
		RETURNING id`);
	if (!rows.length) return false;
	await emit({
		to: { userIds: [followee] },
		type: "NEW_FOLLOWER",
		data: { followerId: follower, followerName },
		dedupeKey: `new-follower:${follower}:${followee}`,
	});
	return true;
}

/**
 * `follower` follows `followee` (idempotent). A public account is followed at once; a private
 * one gets a request its owner approves or declines (follow-request-store.ts). Either way
 * refused (403) between accounts where one blocked the other.
 */
export async function follow(tx: Db, emit: Emit, follower: string, followee: string): Promise<FollowOutcome> {
	if (follower === followee) throw new HttpProblem(400, "cannot_follow_self", "You cannot follow yourself.");
	await lockPair(tx, follower, followee);
	// The followee's count is read under the pair's lock, so count + 1 is what a new edge makes it.
	const { rows } = await tx.execute<{
		private: boolean;
		blocked: boolean;
		following: boolean;
		follower_count: number;
		follower_name: string;
	}>(sql`
		SELECT u.private, u.follower_count, coalesce((SELECT name FROM users WHERE id = ${follower}), '') AS follower_name,
		       EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = ${followee} AND b.blocked_id = ${follower})
		                                        OR (b.blocker_id = ${follower} AND b.blocked_id = ${followee})) AS blocked,
		       EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = ${follower} AND f.followee_id = ${followee}) AS following
		FROM users u WHERE u.id = ${followee}`);
	const target = rows[0];
	if (!target) throw userNotFound();
	if (target.blocked) throw blockedProblem();
	if (target.following || !target.private) {
		const added = await addFollow(tx, emit, follower, followee, target.follower_name);
		return { following: true, requested: false, followerCount: target.follower_count + (added ? 1 : 0) };
	}
	const requested = await tx.execute(sql`
		INSERT INTO follow_requests (requester_id, target_id) VALUES (${follower}, ${followee})
		ON CONFLICT DO NOTHING RETURNING 1`);
	if (requested.rows.length) {
		await emit({
			to: { userIds: [followee] },
			type: "FOLLOW_REQUESTED",
			data: { requesterId: follower, requesterName: target.follower_name },
			dedupeKey: `follow-requested:${follower}:${followee}`,
		});
	}
	return { following: false, requested: true, followerCount: target.follower_count };
}

/** Approves a pending request of `requester` to follow `target`: the follow is made and the requester told. Returns whether there was one. */
export async function approveRequest(tx: Db, emit: Emit, target: string, requester: string): Promise<boolean> {
	await lockPair(tx, target, requester);
	const { rows } = await tx.execute(sql`
		DELETE FROM follow_requests WHERE requester_id = ${requester} AND target_id = ${target} RETURNING 1`);
	if (!rows.length) return false;
	await addFollow(tx, emit, requester, target, await nameOf(tx, requester));
	const name = await nameOf(tx, target);
	await emit({
		to: { userIds: [requester] },
		type: "FOLLOW_ACCEPTED",
		data: { userId: target, userName: name },
	});
	return true;
}

/** Declines (or withdraws) a pending request. Returns whether there was one. */
export async function dropRequest(tx: Db, requester: string, target: string): Promise<boolean> {
	const { rows } = await tx.execute(sql`
		DELETE FROM follow_requests WHERE requester_id = ${requester} AND target_id = ${target} RETURNING 1`);
	return rows.length > 0;
}

/** Ends the edge `follower` → `followee` with its counters, if it exists. */
export async function removeFollow(tx: Db, follower: string, followee: string): Promise<boolean> {
	const { rows } = await tx.execute(sql`DELETE FROM follows WHERE follower_id = ${follower} AND followee_id = ${followee} RETURNING 1`);
	if (rows.length) await adjustCounts(tx, follower, followee, -1);
	return rows.length > 0;
}

/** `follower` stops following `followee`, or withdraws a pending request (idempotent). Returns the followee's follower count. */
export const unfollow = (db: RoutedDatabase, follower: string, followee: string): Promise<number> =>
	db.write((q) =>
		q.transaction(async (tx) => {
			// The pair's lock first, as a follow takes it: without it an unfollow racing a follow of the same
			// pair deadlocked (the follow's insert waiting on this delete, this counter update on the follow's lock).
			await lockPair(tx, follower, followee);
			await removeFollow(tx, follower, followee);
			await dropRequest(tx, follower, followee);
			return followerCount(tx, followee);
		}),
	);

export interface FollowRow extends Record<string, unknown> {
	id: string;
	name: string;
	created_at: Date;
	/** created_at as exact text (microseconds) for the cursor. */
	cursor_at: string;
}

/**
 * One page (`limit + 1` rows) of a user's followers or followings, most recent
 * first, after the (created_at, id) of the previous page's last row; 404 for an unknown user.
 */
/**
 * Who follows `userId`, or whom they follow, for `viewer`. A private account's lists are its own,
 * its approved followers' and admins' to read (403 `private_account` to anyone else, as its reels
 * are); to an account it blocked, the account is not there (404).
 */
export async function followsOf(
	db: RoutedDatabase,
	viewer: { id: string | null; admin: boolean },
	which: "followers" | "following",
	userId: string,
	after: { t: string; i: string } | null,
	limit: number,
): Promise<FollowRow[]> {
	// followers: edges into the user, listing their follower; following: edges out of it, listing their followee.
	const [match, other] = which === "followers" ? ["followee_id", "follower_id"] : ["follower_id", "followee_id"];
	const { rows, exists } = await db.read(async (q) => {
		const gate = await q.execute<{ private: boolean; follows: boolean; blocked: boolean }>(sql`
			SELECT u.private,
			       EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = u.id AND f.follower_id = ${viewer.id}::uuid) AS follows,
			       EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = u.id AND b.blocked_id = ${viewer.id}::uuid) AS blocked
			FROM users u WHERE u.id = ${userId}`);
		const account = gate.rows[0];
		if (!account || (account.blocked && !viewer.admin)) return { rows: [], exists: false };
		if (account.private && !viewer.admin && viewer.id !== userId && !account.follows) {
			throw new HttpProblem(403, "private_account", "This account is private: only its followers see who follows it and whom it follows.");
		}
		const page = await q.execute<FollowRow>(sql`
			SELECT u.id, u.name, f.created_at, to_char(f.created_at AT TIME ZONE 'UTC', ${CURSOR_TIME_FORMAT}) AS cursor_at
			FROM follows f JOIN users u ON u.id = f.${sql.raw(other)}
			WHERE f.${sql.raw(match)} = ${userId}
			${after ? sql`AND (f.created_at, f.${sql.raw(other)}) < (${after.t}::timestamptz, ${after.i}::uuid)` : sql``}
			ORDER BY f.created_at DESC, f.${sql.raw(other)} DESC LIMIT ${limit + 1}`);
		return { rows: page.rows, exists: true };
	});
	if (!exists) throw userNotFound();
	return rows;
}

export interface FollowRequestRow extends Record<string, unknown> {
	id: string;
	name: string;
	created_at: Date;
	cursor_at: string;
}

/** Pending requests to follow `target`, newest first, `limit + 1` of them after the previous page's last (created_at, id). */
export const followRequestsTo = (db: RoutedDatabase, target: string, after: { t: string; i: string } | null, limit: number) =>
	db.readFromPrimary(async (q) => {
		const { rows } = await q.execute<FollowRequestRow>(sql`
			SELECT u.id, u.name, fr.created_at, to_char(fr.created_at AT TIME ZONE 'UTC', ${CURSOR_TIME_FORMAT}) AS cursor_at
			FROM follow_requests fr JOIN users u ON u.id = fr.requester_id
			WHERE fr.target_id = ${target}
			${after ? sql`AND (fr.created_at, fr.requester_id) < (${after.t}::timestamptz, ${after.i}::uuid)` : sql``}
			ORDER BY fr.created_at DESC, fr.requester_id DESC LIMIT ${limit + 1}`);
		return rows;
	});

/**
 * Approves every pending request to follow `target` (an account that turns public), so none is left
 * waiting on a switch nobody can see: one statement moves them all and corrects every counter.
 */
export async function approveAllRequests(tx: Db, emit: Emit, target: string): Promise<void> {
	// Every account whose row changes, locked in id order first, as lockPair does: no deadlock with a follow.
	await tx.execute(sql`
		SELECT id FROM users WHERE id = ${target}::uuid OR id IN (SELECT requester_id FROM follow_requests WHERE target_id = ${target})
		ORDER BY id FOR NO KEY UPDATE`);
	const { rows } = await tx.execute<{ follower_id: string }>(sql`
		WITH moved AS (DELETE FROM follow_requests WHERE target_id = ${target} RETURNING requester_id),
		     ins AS (INSERT INTO follows (follower_id, followee_id) SELECT requester_id, ${target} FROM moved
		             ON CONFLICT DO NOTHING RETURNING follower_id),
		     followers AS (UPDATE users SET following_count = following_count + 1 WHERE id IN (SELECT follower_id FROM ins) RETURNING id)
		UPDATE users SET follower_count = follower_count + (SELECT count(*) FROM ins)::int WHERE id = ${target}
		RETURNING (SELECT coalesce(array_agg(id), '{}') FROM followers) AS follower_ids`);
	const ids = (rows[0] as { follower_ids?: string[] } | undefined)?.follower_ids ?? [];
	if (!ids.length) return;
	const name = await nameOf(tx, target);
	await emit({ to: { userIds: ids }, type: "FOLLOW_ACCEPTED", data: { userId: target, userName: name } });
}
