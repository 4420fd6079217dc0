// An account's rows in Postgres, erased in one transaction (account-deletion.ts): what others'
// rows count of it is corrected first, then the account's row goes and its own rows with it
// (sessions, reels and everything on them, likes, comments, follows, blocks, notifications, links;
// the foreign keys cascade). What is kept carries no person: a taken-down video's record (so it
// cannot come back) and the handle, held for nobody for HANDLE_HOLD_DAYS so nobody can pass for
// the account at its old address.
import { sql } from "drizzle-orm";
import type { Db } from "../../lib/postgres/routed-database";
import { notifications } from "../../lib/postgres/schema";
import { dropIntegrations } from "../keys/integrations-store";
import { actorIdOf } from "../notifications/notification-view";
import { bumpCounter, shardOf } from "../reels/counter-shards";
import { lockHandles } from "./held-handles";

/** Who a kept record points at once its account is gone. */
export const NOBODY = "00000000-0000-0000-0000-000000000000";

/**
 * The account's API keys are revoked at their gates while its row is locked (a key being created
 * meanwhile waits for the lock, then finds no account): the gates, not these rows, admit keys.
 */
export async function eraseAccountRows(tx: Db, env: Env, userId: string): Promise<{ sessions: string[]; found: boolean }> {
	const u = sql`${userId}::uuid`;
	const { rows: me } = await tx.execute<{ handle: string }>(sql`SELECT handle FROM users WHERE id = ${u} FOR UPDATE`);
	const handle = me[0]?.handle;
	if (!handle) return { sessions: [], found: false };
	await lockHandles(tx, [handle]);
	// Rows that refuse to cascade (on purpose: revoking keys and endpoints is a step of its own).
	await dropIntegrations(tx, env, userId);
	const { rows: sessionRows } = await tx.execute<{ id: string }>(sql`SELECT id FROM sessions WHERE user_id = ${u} AND revoked_at IS NULL`);
	const othersReels = sql`NOT IN (SELECT id FROM reels WHERE author_id = ${u})`;

	// Likes on others' reels: one fewer each, in the account's counter shard.
	await tx.execute(
		sql`WITH b AS (${bumpCounter("likes", userId, -1, sql`SELECT reel_id FROM likes WHERE user_id = ${u} AND reel_id ${othersReels}`)}) SELECT count(*) FROM b`,
	);
	// Comments on others' reels go, and with each its thread's replies (as when its author deletes it).
	await tx.execute(sql`
		INSERT INTO reel_counter_shards (reel_id, shard, comments)
		SELECT reel_id, ${shardOf(userId)}, -count(*)::int FROM comments c
		WHERE (c.author_id = ${u} OR c.parent_id IN (SELECT id FROM comments WHERE author_id = ${u})) AND c.reel_id ${othersReels}
		GROUP BY reel_id
		ON CONFLICT (reel_id, shard) DO UPDATE SET comments = reel_counter_shards.comments + excluded.comments`);
	// Reports it filed that are still open stop counting towards hiding others' reels.
	await tx.execute(sql`UPDATE reels r SET report_count = GREATEST(0, r.report_count - 1), report_weight = GREATEST(0, r.report_weight - rep.weight)
		FROM reports rep WHERE rep.reel_id = r.id AND rep.reporter_id = ${u} AND rep.dismissed_at IS NULL AND r.author_id <> ${u}`);
	// Follows: the people they followed lose a follower, those who followed them one they follow.
	await tx.execute(sql`UPDATE users SET follower_count = GREATEST(0, follower_count - 1)
		WHERE id IN (SELECT followee_id FROM follows WHERE follower_id = ${u})`);
	await tx.execute(sql`UPDATE users SET following_count = GREATEST(0, following_count - 1)
		WHERE id IN (SELECT follower_id FROM follows WHERE followee_id = ${u})`);
	// Views keep counting (a view happened) but not who: the dedupe rows name the account.
	await tx.execute(sql`DELETE FROM reel_views WHERE viewer = ${`u:${userId}`}`);
	// What it was not interested in names it by its viewer key only (its plays and shares go with the user row).
	await tx.execute(sql`DELETE FROM not_interested WHERE viewer = ${`u:${userId}`}`);
	// Others' notifications about what this account did.
	await tx.delete(notifications).where(sql`${actorIdOf} = ${u}`);
	// Kept without the person.
	await tx.execute(sql`UPDATE moderated_videos SET author_id = ${NOBODY}::uuid WHERE author_id = ${u}`);
	await tx.execute(sql`UPDATE held_handles SET user_id = ${NOBODY}::uuid WHERE user_id = ${u}`);
	await tx.execute(sql`
		INSERT INTO held_handles (handle, user_id, released_at) VALUES (${handle}, ${NOBODY}::uuid, now())
		ON CONFLICT (handle) DO UPDATE SET user_id = excluded.user_id, released_at = excluded.released_at`);
	await tx.execute(sql`DELETE FROM users WHERE id = ${u}`);
	return { sessions: sessionRows.map((r) => r.id), found: true };
}
