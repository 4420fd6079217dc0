// A reel's comments in threads, as TikTok and Instagram have them: top-level comments newest
// first, each with "View n replies" (its thread, oldest first, one level deep) and Reply. A reply
// to a reply joins the same thread, and the person answered is told (COMMENT_REPLY).
import { useEffect, useRef, useState } from "preact/hooks";
import { answer, api, profilePath, session } from "../lib/api";
import { relativeTime } from "../lib/notifications";
import type { ApiError } from "../lib/problems";
import type { Comment } from "../lib/types";
import { RichText } from "./RichText";
import { Button, Empty, ErrorText, Loading } from "./ui";

export function Comments({ reelId, onAdded, onSignIn }: { reelId: string; onAdded: () => void; onSignIn: () => void }) {
	const me = session.value;
	const [items, setItems] = useState<Comment[] | null>(null);
	/** Each opened thread's replies so far, and the cursor to the rest, by its top-level comment's id. */
	const [threads, setThreads] = useState<Record<string, { replies: Comment[]; more: string | null }>>({});
	const [replyingTo, setReplyingTo] = useState<Comment | null>(null);
	const [error, setError] = useState<string | null>(null);
	const [text, setText] = useState("");
	const [busy, setBusy] = useState(false);
	const input = useRef<HTMLInputElement>(null);

	useEffect(() => {
		answer(api.GET("/api/reels/{id}/comments", { params: { path: { id: reelId }, query: { limit: 50 } } }))
			.then((p) => setItems(p.items))
			.catch((e: ApiError) => setError(e.message));
	}, [reelId]);

	/** Opens a thread, or reads its next replies; `posted` (a reply just made) is in it even if the replica is behind. */
	const openThread = async (topId: string, posted?: Comment) => {
		const cursor = threads[topId]?.more;
		try {
			const page = await answer(
				api.GET("/api/comments/{id}/replies", { params: { path: { id: topId }, query: { limit: 50, ...(cursor ? { cursor } : {}) } } }),
			);
			setThreads((t) => {
				const replies = [...(cursor ? (t[topId]?.replies ?? []) : []), ...page.items];
				if (posted && !replies.some((r) => r.id === posted.id)) replies.push(posted);
				return { ...t, [topId]: { replies, more: page.nextCursor } };
			});
		} catch (e) {
			setError((e as ApiError).message);
		}
	};

	const reply = (to: Comment) => {
		if (!me) return onSignIn();
		setReplyingTo(to);
		input.current?.focus();
	};

	const submit = async (e: Event) => {
		e.preventDefault();
		setBusy(true);
		setError(null);
		try {
			// The key makes a retried submit (a flaky network) post the comment once.
			const key = crypto.randomUUID();
			const c = await answer(
				api.POST("/api/reels/{id}/comments", {
					params: { path: { id: reelId } },
					body: replyingTo ? { text, replyTo: replyingTo.id } : { text },
					headers: { "idempotency-key": key },
				}),
			);
			const thread = c.parentId;
			if (thread) {
				// The reply shows at the end of its thread, opened if it was not.
				setItems((prev) => prev?.map((t) => (t.id === thread ? { ...t, replyCount: t.replyCount + 1 } : t)) ?? prev);
				const open = threads[thread];
				if (open) setThreads((t) => ({ ...t, [thread]: { replies: [...open.replies, c], more: open.more } }));
				else await openThread(thread, c);
			} else setItems((prev) => [c, ...(prev ?? [])]);
			setText("");
			setReplyingTo(null);
			onAdded();
		} catch (err) {
			setError((err as ApiError).message);
		} finally {
			setBusy(false);
		}
	};

	return (
		<div class="flex flex-col gap-3">
			<ErrorText error={error} />
			{items === null && !error ? <Loading label="Loading comments" /> : null}
			{items?.length === 0 ? <Empty>No comments yet.</Empty> : null}
			<ul class="flex flex-col gap-4">
				{items?.map((c) => {
					const thread = threads[c.id];
					return (
						<li key={c.id} class="text-sm">
							<CommentBody comment={c} onReply={() => reply(c)} />
							{thread ? (
								<>
									<ul class="mt-3 flex flex-col gap-3 border-l border-white/10 pl-3" aria-label={`Replies to ${c.author.name}`}>
										{thread.replies.map((r) => (
											<li key={r.id}>
												<CommentBody comment={r} onReply={() => reply(r)} />
											</li>
										))}
									</ul>
									{thread.more ? (
										<button type="button" class="mt-2 pl-3 text-xs font-semibold text-white/60" onClick={() => void openThread(c.id)}>
											View more replies
										</button>
									) : null}
								</>
							) : c.replyCount > 0 ? (
								<button type="button" class="mt-2 text-xs font-semibold text-white/60" onClick={() => void openThread(c.id)}>
									View {c.replyCount === 1 ? "1 reply" : `${c.replyCount} replies`}
								</button>
							) : null}
						</li>
					);
				})}
			</ul>
			{me ? (
				<form onSubmit={submit} class="sticky bottom-0 flex flex-col gap-1 bg-neutral-900 pt-2">
					{replyingTo ? (
						<p class="flex items-center gap-2 text-xs text-white/70">
							<span class="flex-1 truncate">Replying to {replyingTo.author.name}</span>
							<button type="button" class="px-1" aria-label="Cancel the reply" onClick={() => setReplyingTo(null)}>
								×
							</button>
						</p>
					) : null}
					<div class="flex gap-2">
						<label class="sr-only" for={`comment-${reelId}`}>
							{replyingTo ? `Reply to ${replyingTo.author.name}` : "Add a comment"}
						</label>
						<input
							ref={input}
							id={`comment-${reelId}`}
							class="min-w-0 flex-1 rounded-full border border-white/20 bg-white/5 px-3 py-2"
							value={text}
							maxLength={1000}
							required
							placeholder={replyingTo ? "Add a reply" : "Add a comment"}
							onInput={(e) => setText((e.target as HTMLInputElement).value)}
						/>
						<Button type="submit" disabled={busy || !text.trim()}>
							Post
						</Button>
					</div>
				</form>
			) : (
				<p class="text-sm text-white/60">
					<button type="button" class="font-semibold text-yellow-300 underline" onClick={onSignIn}>
						Sign in
					</button>{" "}
					to comment.
				</p>
			)}
		</div>
	);
}

function CommentBody({ comment: c, onReply }: { comment: Comment; onReply: () => void }) {
	return (
		<>
			<a href={profilePath(c.author)} class="font-semibold">
				{c.author.name}
			</a>{" "}
			<span class="break-words text-white/90">
				<RichText text={c.text} />
			</span>
			<div class="mt-1 flex gap-3 text-xs text-white/60">
				<time dateTime={c.createdAt}>{relativeTime(c.createdAt)}</time>
				<button type="button" class="font-semibold" onClick={onReply} aria-label={`Reply to ${c.author.name}`}>
					Reply
				</button>
			</div>
		</>
	);
}
