// Likes, views and comments in Postgres. Every counter changes in the same
// statement as the row that justifies it (a data-modifying CTE), so counts
// stay exact under any concurrency without read-modify-write, and repeating
// a like or a view changes nothing. Counters change in shard rows, never on
// the reel's row, so a crowd on one reel does not queue (counter-shards.ts).

import { sql } from "drizzle-orm";
import { uuidv7 } from "../../lib/ids/uuidv7";
import type { Db, RoutedDatabase } from "../../lib/postgres/routed-database";
import { HttpProblem } from "../../lib/problems/http-problem";
import { deliverAfterCommit, type Emit, type EventContext, type UserMessage } from "../../realtime/outbox";
import { bumpCounter, unfolded } from "./counter-shards";
import { emitMentions } from "./mentions";
import { canSee, PLAYABLE } from "./reel-cards";
import { reelNotFound } from "./reel-store";

export interface LikeState {
	liked: boolean;
	likeCount: number;
}

/**
 * Likes a visible reel (idempotent); the author hears of it once per liker. No lock on the reel's
 * row (counter-shards.ts). One statement on the primary: the like, its counter shard and its
 * REEL_LIKED outbox row are written by one data-modifying CTE, which is as atomic as the
 * transaction it replaces (BEGIN, the like, the outbox insert, COMMIT: four round trips where one
 * does). The like is the write a crowd makes most, and all at once on a viral reel.
 */
export async function like(events: EventContext, reelId: string, userId: string): Promise<LikeState> {
	const eventId = uuidv7();
	const announcement = {
		to: { userIds: [] },
		type: "REEL_LIKED",
		data: { reelId, userId, likeCount: 0 },
		// Like, unlike, like again: the author hears of it once.
		dedupeKey: `reel-liked:${reelId}:${userId}`,
	} satisfies UserMessage;
	const { rows } = await events.db.write((q) =>
		q.execute<{ like_count: number; announced: number }>(sql`
			WITH target AS (SELECT r.id, r.author_id, r.like_count FROM reels r WHERE r.id = ${reelId} AND ${canSee({ id: userId, admin: false })}),
			     ins AS (INSERT INTO likes (reel_id, user_id) SELECT id, ${userId} FROM target ON CONFLICT DO NOTHING RETURNING reel_id),
			     bump AS (${bumpCounter("likes", userId, 1, sql`SELECT reel_id FROM ins`)}),
			     counted AS (SELECT t.author_id, (t.like_count + ${unfolded("likes", sql`t.id`)} + (SELECT count(*) FROM bump))::int AS like_count
			                 FROM target t),
			     announced AS (
			       INSERT INTO outbox (id, payload)
			       SELECT ${eventId}::uuid, jsonb_set(jsonb_set(${JSON.stringify(announcement)}::jsonb,
			                '{to,userIds}', jsonb_build_array(c.author_id)), '{data,likeCount}', to_jsonb(c.like_count))
			       FROM counted c WHERE EXISTS (SELECT 1 FROM ins) AND c.author_id <> ${userId}
			       RETURNING id)
			SELECT c.like_count, (SELECT count(*) FROM announced)::int AS announced FROM counted c`),
	);
	const row = rows[0];
	if (!row) throw reelNotFound();
	if (row.announced) await deliverAfterCommit(events, [eventId]);
	return { liked: true, likeCount: row.like_count };
}

/** Takes a like back (idempotent). */
export async function unlike(db: RoutedDatabase, reelId: string, userId: string): Promise<LikeState> {
	const { rows } = await db.write((q) =>
		q.execute<{ like_count: number }>(sql`
			WITH del AS (DELETE FROM likes WHERE reel_id = ${reelId} AND user_id = ${userId} RETURNING reel_id),
			     bump AS (${bumpCounter("likes", userId, -1, sql`SELECT reel_id FROM del`)})
			SELECT (r.like_count + ${unfolded("likes", sql`r.id`)} - (SELECT count(*) FROM bump))::int AS like_count
			FROM reels r WHERE r.id = ${reelId}`),
	);
	const row = rows[0];
	if (!row) throw reelNotFound();
	return { liked: false, likeCount: row.like_count };
}

/**
 * Counts a view once per `viewer` (a key: the user, or a hash of the hour and address) per reel per
 * clock hour, of a reel `userId` may see (the same 404 otherwise: a follower's view of a
 * followers-only reel counts, a blocked account's does not).
 */
export async function countView(
	db: RoutedDatabase,
	reelId: string,
	viewer: string,
	userId: string | null,
): Promise<{ counted: boolean; viewCount: number }> {
	const { rows } = await db.write((q) =>
		q.execute<{ view_count: number; counted: number }>(sql`
			WITH target AS (SELECT r.id, r.view_count FROM reels r WHERE r.id = ${reelId} AND ${PLAYABLE}
			                AND ${canSee({ id: userId, admin: false })}),
			     ins AS (INSERT INTO reel_views (reel_id, viewer, hour) SELECT id, ${viewer}, date_trunc('hour', now()) FROM target
			             ON CONFLICT DO NOTHING RETURNING reel_id),
			     bump AS (${bumpCounter("views", viewer, 1, sql`SELECT reel_id FROM ins`)})
			SELECT (t.view_count + ${unfolded("views", sql`t.id`)} + (SELECT count(*) FROM bump))::int AS view_count,
			       (SELECT count(*) FROM ins)::int AS counted
			FROM target t`),
	);
	const row = rows[0];
	if (!row) throw reelNotFound();
	return { counted: row.counted === 1, viewCount: row.view_count };
}

export interface CommentRow extends Record<string, unknown> {
	id: string;
	reel_id: string;
	/** The thread's top-level comment, for a reply. */
	parent_id: string | null;
	reply_count: number;
	text: string;
	created_at: Date;
	author_id: string;
	author_name: string;
	author_handle: string;
}

// A thread's replies are counted when read (comments_parent_idx), not kept in a column of the
// comment: a popular comment's replies would otherwise all queue on its row.
const COMMENT_COLUMNS = sql`cm.id, cm.reel_id, cm.parent_id, cm.text, cm.created_at,
	u.id AS author_id, u.name AS author_name, u.handle AS author_handle,
	CASE WHEN cm.parent_id IS NULL THEN (SELECT count(*)::int FROM comments rp WHERE rp.parent_id = cm.id) ELSE 0 END AS reply_count`;

/** A reel's top-level comments, newest first, `limit + 1` of them from before `beforeId`. */
export async function commentsOf(db: RoutedDatabase, reelId: string, beforeId: string | null, limit: number): Promise<CommentRow[]> {
	const { rows } = await db.read((q) =>
		q.execute<CommentRow>(sql`
			SELECT ${COMMENT_COLUMNS}
			FROM comments cm JOIN users u ON u.id = cm.author_id
			WHERE cm.reel_id = ${reelId} AND cm.parent_id IS NULL ${beforeId ? sql`AND cm.id < ${beforeId}::uuid` : sql``}
			ORDER BY cm.id DESC LIMIT ${limit + 1}`),
	);
	return rows;
}

/** The reel a comment is on (to check who may read its thread), or undefined when there is no such comment. */
export async function reelOfComment(db: RoutedDatabase, commentId: string): Promise<string | undefined> {
	const { rows } = await db.read((q) => q.execute<{ reel_id: string }>(sql`SELECT reel_id FROM comments WHERE id = ${commentId}`));
	return rows[0]?.reel_id;
}

/** A thread's replies, oldest first (a conversation reads down), `limit + 1` of them after `afterId`. */
export async function repliesOf(db: RoutedDatabase, commentId: string, afterId: string | null, limit: number): Promise<CommentRow[]> {
	const { rows } = await db.read((q) =>
		q.execute<CommentRow>(sql`
			SELECT ${COMMENT_COLUMNS}
			FROM comments cm JOIN users u ON u.id = cm.author_id
			WHERE cm.parent_id = ${commentId} ${afterId ? sql`AND cm.id > ${afterId}::uuid` : sql``}
			ORDER BY cm.id ASC LIMIT ${limit + 1}`),
	);
	return rows;
}

const commentNotFound = () => new HttpProblem(404, "comment_not_found", "No comment with that id on this reel.");

/**
 * The comment a reply answers and the thread it joins (the comment's top-level comment); 404 when
 * it is not on `reelId`. Only the thread's top comment is locked (FOR KEY SHARE, the one row the
 * reply's foreign key names): a racing delete of the thread waits for the reply, or the reply finds
 * the thread gone (404). Locking the answered reply as well would take two locks in the opposite
 * order to a thread's delete (the top comment, then its replies) and could deadlock with it.
 */
async function repliedTo(tx: Db, replyTo: string, reelId: string): Promise<{ threadId: string; authorId: string }> {
	const { rows } = await tx.execute<{ parent_id: string | null; author_id: string }>(sql`
		SELECT parent_id, author_id FROM comments WHERE id = ${replyTo} AND reel_id = ${reelId}`);
	const row = rows[0];
	if (!row) throw commentNotFound();
	const threadId = row.parent_id ?? replyTo;
	const thread = await tx.execute(sql`SELECT 1 FROM comments WHERE id = ${threadId} FOR KEY SHARE`);
	if (thread.rows.length === 0) throw commentNotFound();
	return { threadId, authorId: row.author_id };
}

/**
 * Whether `recipientId` should hear that `actorId` replied on `reelId`: neither blocked the other,
 * and they may still open the reel (one who lost a followers-only reel's access is not told).
 */
async function mayTell(tx: Db, recipientId: string, actorId: string, reelId: string): Promise<boolean> {
	const { rows } = await tx.execute(sql`
		SELECT 1 FROM reels r
		WHERE r.id = ${reelId} AND ${canSee({ id: sql`${recipientId}::uuid`, admin: false })}
		  AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = ${recipientId}::uuid AND b.blocked_id = ${actorId}::uuid)
		                                          OR (b.blocker_id = ${actorId}::uuid AND b.blocked_id = ${recipientId}::uuid))`);
	return rows.length > 0;
}

/**
 * Adds a comment to a visible reel. With an idempotency key, a retry finds the
 * comment the first attempt made (`created: false`) instead of adding another.
 */
export async function addComment(
	tx: Db,
	emit: Emit,
	{
		id,
		reelId,
		authorId,
		text,
		idempotencyKey,
		replyTo = null,
	}: { id: string; reelId: string; authorId: string; text: string; idempotencyKey: string | null; replyTo?: string | null },
): Promise<{ comment: CommentRow; created: boolean }> {
	// A retry (the same Idempotency-Key) answers with the comment it made, whatever its body says now.
	if (idempotencyKey) {
		const before = await tx.execute<CommentRow>(sql`
			SELECT ${COMMENT_COLUMNS} FROM comments cm JOIN users u ON u.id = cm.author_id
			WHERE cm.author_id = ${authorId} AND cm.idempotency_key = ${idempotencyKey} AND cm.reel_id = ${reelId}`);
		if (before.rows[0]) return { comment: before.rows[0], created: false };
	}
	if (replyTo) {
		// The reel first: a comment id of a reel the caller may not see says nothing about that comment.
		const visible = await tx.execute(sql`SELECT 1 FROM reels r WHERE r.id = ${reelId} AND ${canSee({ id: authorId, admin: false })}`);
		if (visible.rows.length === 0) throw reelNotFound();
	}
	// Whether the reel may be seen is also checked by the insert itself.
	const answered = replyTo ? await repliedTo(tx, replyTo, reelId) : null;
	const inserted = await tx.execute<{ author_id: string }>(sql`
		INSERT INTO comments (id, reel_id, author_id, text, idempotency_key, parent_id)
		SELECT ${id}, r.id, ${authorId}, ${text}, ${idempotencyKey}, ${answered?.threadId ?? null}::uuid
		FROM reels r WHERE r.id = ${reelId} AND ${canSee({ id: authorId, admin: false })}
		ON CONFLICT (author_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
		RETURNING (SELECT author_id FROM reels WHERE id = ${reelId}) AS author_id`);
	const reelAuthor = inserted.rows[0]?.author_id;
	if (reelAuthor) {
		await tx.execute(bumpCounter("comments", authorId, 1, sql`SELECT ${reelId}::uuid AS reel_id`));
		// The person answered hears of the reply; the reel's author of every other comment (once, not twice
		// when the answer is to their own comment).
		const answeredAuthor = answered && answered.authorId !== authorId ? answered.authorId : null;
		if (answeredAuthor && answered && (await mayTell(tx, answeredAuthor, authorId, reelId))) {
			await emit({
				to: { userIds: [answeredAuthor] },
				type: "COMMENT_REPLY",
				data: { reelId, commentId: id, replyTo, threadId: answered.threadId, authorId, text: text.slice(0, 200) },
				dedupeKey: `comment-reply:${id}`,
			});
		}
		if (reelAuthor !== authorId && reelAuthor !== answeredAuthor) {
			await emit({
				to: { userIds: [reelAuthor] },
				type: "NEW_COMMENT",
				data: { reelId, commentId: id, authorId, text },
				dedupeKey: `new-comment:${id}`,
			});
		}
		// The person answered was told of the reply: an @mention of them in it tells them nothing more.
		await emitMentions(tx, emit, { text, authorId, reelId, commentId: id, except: answeredAuthor ? [answeredAuthor] : [] });
	}
	const found = await tx.execute<CommentRow>(sql`
		SELECT ${COMMENT_COLUMNS}
		FROM comments cm JOIN users u ON u.id = cm.author_id
		WHERE ${reelAuthor ? sql`cm.id = ${id}` : sql`cm.author_id = ${authorId} AND cm.idempotency_key = ${idempotencyKey} AND cm.reel_id = ${reelId}`}`);
	const comment = found.rows[0];
	if (!comment) throw reelNotFound();
	return { comment, created: Boolean(reelAuthor) };
}

/** Deletes a comment and, for a top-level one, its replies: its author, the reel's author or an admin may. */
export async function deleteComment(db: RoutedDatabase, commentId: string, by: { userId: string; admin: boolean }): Promise<void> {
	await db.write((q) =>
		q.transaction(async (tx) => {
			const { rows } = await tx.execute<{ author_id: string; reel_author: string }>(sql`
				SELECT cm.author_id, r.author_id AS reel_author FROM comments cm JOIN reels r ON r.id = cm.reel_id
				WHERE cm.id = ${commentId} FOR UPDATE OF cm`);
			const row = rows[0];
			if (!row) throw new HttpProblem(404, "comment_not_found", "No comment with that id.");
			if (!by.admin && row.author_id !== by.userId && row.reel_author !== by.userId) {
				throw new HttpProblem(403, "not_your_comment", "Only the comment's author, the reel's author or an admin may delete it.");
			}
			// The replies, locked and counted once the comment's lock is held: replies being added hold FOR
			// KEY SHARE on the comment, so that lock waited for them; a reply being deleted on its own holds
			// its row, so this waits for it and then skips it (gone, and already counted off by its delete).
			// The delete then takes exactly these with it (ON DELETE CASCADE): none is counted off twice.
			const counted = await tx.execute<{ n: number }>(sql`
				SELECT count(*)::int AS n FROM (SELECT id FROM comments WHERE parent_id = ${commentId} FOR UPDATE) AS replies`);
			const replies = counted.rows[0]?.n ?? 0;
			await tx.execute(sql`
				WITH del AS (DELETE FROM comments WHERE id = ${commentId} RETURNING reel_id)
				${bumpCounter("comments", row.author_id, -(1 + replies), sql`SELECT reel_id FROM del`)}`);
		}),
	);
}
