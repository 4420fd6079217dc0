// @handle mentions in captions and comments: who is named, and telling them.
import { sql } from "drizzle-orm";
import type { Db } from "../../lib/postgres/routed-database";
import type { Emit } from "../../realtime/outbox";
import { canSee } from "./reel-cards";

/** People one text may notify: more is a spam run, not a conversation. */
export const MAX_MENTIONS = 10;

/** The handles `text` mentions (lowercase, each once, at most MAX_MENTIONS); an email address is no mention. */
export function mentionedHandles(text: string): string[] {
	// A run longer than a handle is no mention (not the handle of its first 24 characters).
	const handles = [...text.matchAll(/(?:^|[^\p{L}\p{N}_.@])@([a-z0-9_.]{3,24})(?![a-z0-9_.])/giu)].map((m) =>
		(m[1] as string).toLowerCase().replace(/\.+$/, ""),
	);
	return [...new Set(handles.filter((h) => h.length >= 3))].slice(0, MAX_MENTIONS);
}

/**
 * Tells each account `text` mentions, once per reel or comment: not the author, not anyone who
 * blocked the author or whom the author blocked, not anyone who blocked the reel's author (a third
 * person's comment there), and only those who may open the reel (a mention in a followers-only
 * reel does not reach past its followers).
 */
export async function emitMentions(
	tx: Db,
	emit: Emit,
	{
		text,
		authorId,
		reelId,
		commentId,
		except = [],
	}: { text: string; authorId: string; reelId: string; commentId?: string; except?: string[] },
): Promise<number> {
	const handles = mentionedHandles(text);
	if (!handles.length) return 0;
	const { rows } = await tx.execute<{ id: string }>(sql`
		SELECT u.id FROM users u
		WHERE u.handle = ANY(${sql.param(handles)}::text[]) AND u.id <> ${authorId}::uuid
		  AND NOT (u.id = ANY(${sql.param(except)}::uuid[]))
		  AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = u.id AND b.blocked_id = ${authorId}::uuid)
		                                          OR (b.blocker_id = ${authorId}::uuid AND b.blocked_id = u.id))
		  AND EXISTS (SELECT 1 FROM reels r WHERE r.id = ${reelId}::uuid AND ${canSee({ id: sql`u.id`, admin: false })}
		              AND NOT EXISTS (SELECT 1 FROM blocks rb WHERE rb.blocker_id = u.id AND rb.blocked_id = r.author_id))`);
	for (const { id } of rows) {
		await emit({
			to: { userIds: [id] },
			type: "MENTIONED",
			data: { reelId, authorId, ...(commentId ? { commentId, text: text.slice(0, 200) } : {}) },
			dedupeKey: `mentioned:${commentId ?? reelId}:${id}`,
		});
	}
	return rows.length;
}
