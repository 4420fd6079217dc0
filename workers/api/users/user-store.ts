// Accounts in Postgres, as the users routes read and change them.
import { desc, eq, type SQL, sql } from "drizzle-orm";
import { CURSOR_TIME_FORMAT } from "../../lib/pagination/cursor-codec";
import type { Db, RoutedDatabase } from "../../lib/postgres/routed-database";
import { users } from "../../lib/postgres/schema";
import { violatedConstraint } from "../../lib/postgres/unique-violation";
import { HttpProblem } from "../../lib/problems/http-problem";
import type { Emit } from "../../realtime/outbox";
import { approveAllRequests } from "../follows/follow-store";
import { HANDLE_CHANGE_COOLDOWN_DAYS, nextHandleChange } from "./handle";
import { heldUntil, lockHandles, moveHold } from "./held-handles";

export type UserRow = typeof users.$inferSelect;

export interface ProfileRow extends Record<string, unknown> {
	id: string;
	name: string;
	handle: string;
	bio: string;
	role: UserRow["role"];
	created_at: Date;
	follower_count: number;
	following_count: number;
	avatar_asset_id: string | null;
	private: boolean;
	following: boolean | null;
	requested: boolean | null;
	blocking: boolean | null;
}

/** A profile and how `viewer` stands towards it (follows, asked to, blocked), in one statement; the relation is null when anonymous. */
async function selectProfile(q: Db, where: SQL, viewer: string | null): Promise<ProfileRow | undefined> {
	const relation = viewer
		? sql`EXISTS (SELECT 1 FROM follows WHERE follower_id = ${viewer}::uuid AND followee_id = u.id) AS following,
		      EXISTS (SELECT 1 FROM follow_requests WHERE requester_id = ${viewer}::uuid AND target_id = u.id) AS requested,
		      EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ${viewer}::uuid AND blocked_id = u.id) AS blocking`
		: sql`NULL::boolean AS following, NULL::boolean AS requested, NULL::boolean AS blocking`;
	const { rows } = await q.execute<ProfileRow>(sql`
		SELECT u.id, u.name, u.handle, u.bio, u.role, u.created_at, u.follower_count, u.following_count, u.avatar_asset_id, u.private, ${relation}
		FROM users u WHERE ${where}`);
	return rows[0];
}

/** A public profile by id, as `viewer` sees it. A fresh id missed by the replica is asked of the primary. */
export const profileSeenBy = (db: RoutedDatabase, id: string, viewer: string | null) =>
	db.readById(id, (q) => selectProfile(q, sql`u.id = ${id}::uuid`, viewer));

/** A public profile by @handle (lowercase), as `viewer` sees it; a handle changed moments ago needs the caller's consistency token. */
export const profileByHandle = (db: RoutedDatabase, handle: string, viewer: string | null) =>
	db.read((q) => selectProfile(q, sql`u.handle = ${handle}`, viewer));

export const accountById = (db: RoutedDatabase, id: string) => db.read((q) => q.query.users.findFirst({ where: eq(users.id, id) }));

/**
 * Changes the account; turning it public approves every pending follow request in the same
 * transaction. A new handle must be free (409 handle_taken) and the last change at least
 * HANDLE_CHANGE_COOLDOWN_DAYS old (409 handle_change_too_soon); the same handle again is no change.
 */
export async function updateAccount(
	tx: Db,
	emit: Emit,
	id: string,
	{ handle, ...changes }: { name?: string; handle?: string; bio?: string; avatarAssetId?: string | null; private?: boolean },
): Promise<UserRow | undefined> {
	const handleChange = handle === undefined ? {} : await checkHandleChange(tx, id, handle);
	try {
		const [user] = await tx
			.update(users)
			.set({ ...changes, ...handleChange, updatedAt: new Date() })
			.where(eq(users.id, id))
			.returning();
		if (user && changes.private === false) await approveAllRequests(tx, emit, id);
		return user;
	} catch (err) {
		if (violatedConstraint(err) === "users_handle_key") {
			throw new HttpProblem(409, "handle_taken", `@${handle} is taken; try another.`);
		}
		throw err;
	}
}

/** The columns a handle change sets, after its rules: nothing when it is the handle already. */
async function checkHandleChange(tx: Db, id: string, handle: string): Promise<{ handle?: string; handleChangedAt?: Date }> {
	const { rows } = await tx.execute<{ handle: string; handle_changed_at: Date | null }>(
		sql`SELECT handle, handle_changed_at FROM users WHERE id = ${id} FOR UPDATE`,
	);
	const current = rows[0];
	if (!current || current.handle === handle) return {};
	const next = nextHandleChange(current.handle_changed_at ? new Date(current.handle_changed_at) : null);
	if (next) {
		throw new HttpProblem(
			409,
			"handle_change_too_soon",
			`A handle can change once every ${HANDLE_CHANGE_COOLDOWN_DAYS} days; next on ${next.toISOString().slice(0, 10)}.`,
		);
	}
	await lockHandles(tx, [current.handle, handle]);
	const held = await heldUntil(tx, handle, id);
	if (held) {
		// Said like any taken handle: whose it was is not the asker's business.
		throw new HttpProblem(409, "handle_taken", `@${handle} is taken; try another.`);
	}
	await moveHold(tx, id, current.handle, handle);
	return { handle, handleChangedAt: new Date() };
}

/** Every account, newest first, `limit + 1` of them after the (created_at, id) of the previous page's last row. */
export const accountsPage = (db: RoutedDatabase, after: { t: string; i: string } | null, limit: number) =>
	db.read((q) =>
		q
			.select({ user: users, cursorAt: sql<string>`to_char(${users.createdAt} AT TIME ZONE 'UTC', ${CURSOR_TIME_FORMAT})` })
			.from(users)
			.where(after ? sql`(${users.createdAt}, ${users.id}) < (${after.t}::timestamptz, ${after.i}::uuid)` : undefined)
			.orderBy(desc(users.createdAt), desc(users.id))
			.limit(limit + 1),
	);
