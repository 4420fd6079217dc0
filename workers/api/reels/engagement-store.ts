// Likes, views and comments in Postgres. Every counter changes in the same
// statement as the row that justifies it (a data-modifying CTE), so counts
// stay exact under any concurrency without read-modify-write, and repeating
// a like or a view changes nothing. Counters change in shard rows, never on
// the reel's row, so a crowd on one reel does not queue (counter-shards.ts).

import { sql } from "drizzle-orm";
import type { Db, RoutedDatabase } from "../../lib/postgres/routed-database";
import { HttpProblem } from "../../lib/problems/http-problem";
import type { Emit } from "../../realtime/outbox";
import { bumpCounter, unfolded } from "./counter-shards";
import { emitMentions } from "./mentions";
import { canSee, PLAYABLE } from "./reel-cards";
import { reelNotFound } from "./reel-store";

export interface LikeState {
	liked: boolean;
	likeCount: number;
}

/** Likes a visible reel (idempotent); the author hears of it once per liker. No lock on the reel's row (counter-shards.ts). */
export async function like(tx: Db, emit: Emit, reelId: string, userId: string): Promise<LikeState> {
	const { rows } = await tx.execute<{ like_count: number; author_id: string; added: number }>(sql`
		WITH target AS (SELECT r.id, r.author_id, r.like_count FROM reels r WHERE r.id = ${reelId} AND ${canSee({ id: userId, admin: false })}),
		     ins AS (INSERT INTO likes (reel_id, user_id) SELECT id, ${userId} FROM target ON CONFLICT DO NOTHING RETURNING reel_id),
		     bump AS (${bumpCounter("likes", userId, 1, sql`SELECT reel_id FROM ins`)})
		SELECT t.author_id, (SELECT count(*) FROM ins)::int AS added,
		       (t.like_count + ${unfolded("likes", sql`t.id`)} + (SELECT count(*) FROM bump))::int AS like_count
		FROM target t`);
	const row = rows[0];
	if (!row) throw reelNotFound();
	if (row.added && row.author_id !== userId) {
		await emit({
			to: { userIds: [row.author_id] },
			type: "REEL_LIKED",
			data: { reelId, userId, likeCount: row.like_count },
			// Like, unlike, like again: the author hears of it once.
			dedupeKey: `reel-liked:${reelId}:${userId}`,
		});
	}
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

/** Counts a view once per `viewer` per reel per clock hour. */
export async function countView(db: RoutedDatabase, reelId: string, viewer: string): Promise<{ counted: boolean; viewCount: number }> {
	const { rows } = await db.write((q) =>
		q.execute<{ view_count: number; counted: number }>(sql`
			WITH target AS (SELECT r.id, r.view_count FROM reels r WHERE r.id = ${reelId} AND ${PLAYABLE} AND r.visibility IN ('public', 'unlisted')),
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
	text: string;
	created_at: Date;
	author_id: string;
	author_name: string;
	author_handle: string;
}

const COMMENT_COLUMNS = sql`cm.id, cm.reel_id, cm.text, cm.created_at, u.id AS author_id, u.name AS author_name, u.handle AS author_handle`;

/** A reel's comments, newest first, `limit + 1` of them from before `beforeId`. */
export async function commentsOf(db: RoutedDatabase, reelId: string, beforeId: string | null, limit: number): Promise<CommentRow[]> {
	const { rows } = await db.read((q) =>
		q.execute<CommentRow>(sql`
			SELECT ${COMMENT_COLUMNS}
			FROM comments cm JOIN users u ON u.id = cm.author_id
			WHERE cm.reel_id = ${reelId} ${beforeId ? sql`AND cm.id < ${beforeId}::uuid` : sql``}
			ORDER BY cm.id DESC LIMIT ${limit + 1}`),
	);
	return rows;
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
	}: { id: string; reelId: string; authorId: string; text: string; idempotencyKey: string | null },
): Promise<{ comment: CommentRow; created: boolean }> {
	const inserted = await tx.execute<{ author_id: string }>(sql`
		INSERT INTO comments (id, reel_id, author_id, text, idempotency_key)
		SELECT ${id}, r.id, ${authorId}, ${text}, ${idempotencyKey} FROM reels r WHERE r.id = ${reelId} AND ${canSee({ id: authorId, admin: false })}
		ON CONFLICT (author_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
		RETURNING (SELECT author_id FROM reels WHERE id = ${reelId}) AS author_id`);
	const reelAuthor = inserted.rows[0]?.author_id;
	if (reelAuthor) {
		await tx.execute(bumpCounter("comments", authorId, 1, sql`SELECT ${reelId}::uuid AS reel_id`));
		if (reelAuthor !== authorId) {
			await emit({
				to: { userIds: [reelAuthor] },
				type: "NEW_COMMENT",
				data: { reelId, commentId: id, authorId, text },
				dedupeKey: `new-comment:${id}`,
			});
		}
		await emitMentions(tx, emit, { text, authorId, reelId, commentId: id });
	}
	const found = await tx.execute<CommentRow>(sql`
		SELECT ${COMMENT_COLUMNS}
		FROM comments cm JOIN users u ON u.id = cm.author_id
		WHERE ${reelAuthor ? sql`cm.id = ${id}` : sql`cm.author_id = ${authorId} AND cm.idempotency_key = ${idempotencyKey} AND cm.reel_id = ${reelId}`}`);
	const comment = found.rows[0];
	if (!comment) throw reelNotFound();
	return { comment, created: Boolean(reelAuthor) };
}

/** Deletes a comment: its author, the reel's author or an admin may. */
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
			await tx.execute(sql`
				WITH del AS (DELETE FROM comments WHERE id = ${commentId} RETURNING reel_id)
				${bumpCounter("comments", row.author_id, -1, sql`SELECT reel_id FROM del`)}`);
		}),
	);
}
