import { useEffect, useState } from "preact/hooks";
import { api, profilePath, session } from "../lib/api";
import type { ApiError } from "../lib/problems";
import { useStore } from "../lib/store";
import { RichText } from "./RichText";
import { Button, Empty, ErrorText, Loading } from "./ui";

interface Comment {
	id: string;
	text: string;
	author: { id: string; name: string; handle: string };
	createdAt: string;
}

export function Comments({ reelId, onAdded, onSignIn }: { reelId: string; onAdded: () => void; onSignIn: () => void }) {
	const me = useStore(session);
	const [items, setItems] = useState<Comment[] | null>(null);
	const [error, setError] = useState<string | null>(null);
	const [text, setText] = useState("");
	const [busy, setBusy] = useState(false);

	useEffect(() => {
		api<{ items: Comment[] }>(`/api/reels/${reelId}/comments?limit=50`)
			.then((p) => setItems(p.items))
			.catch((e: ApiError) => setError(e.message));
	}, [reelId]);

	const submit = async (e: Event) => {
		e.preventDefault();
		setBusy(true);
		setError(null);
		try {
			// The key makes a retried submit (a flaky network) post the comment once.
			const key = crypto.randomUUID();
			const c = await api<Comment>(`/api/reels/${reelId}/comments`, {
				method: "POST",
				json: { text },
				headers: { "idempotency-key": key },
			});
			setItems((prev) => [c, ...(prev ?? [])]);
			setText("");
			onAdded();
		} catch (err) {
			setError((err as ApiError).message);
		} finally {
			setBusy(false);
		}
	};

	return (
		<div class="flex flex-col gap-3">
			{me ? (
				<form onSubmit={submit} class="flex gap-2">
					<label class="sr-only" for={`comment-${reelId}`}>
						Add a comment
					</label>
					<input
						id={`comment-${reelId}`}
						class="flex-1 rounded-full border border-white/20 bg-white/5 px-3 py-2"
						value={text}
						maxLength={1000}
						required
						placeholder="Add a comment"
						onInput={(e) => setText((e.target as HTMLInputElement).value)}
					/>
					<Button type="submit" disabled={busy || !text.trim()}>
						Post
					</Button>
				</form>
			) : (
				<p class="text-sm text-white/60">
					<button type="button" class="font-semibold text-yellow-300 underline" onClick={onSignIn}>
						Sign in
					</button>{" "}
					to comment.
				</p>
			)}
			<ErrorText error={error} />
			{items === null && !error ? <Loading label="Loading comments" /> : null}
			{items?.length === 0 ? <Empty>No comments yet.</Empty> : null}
			<ul class="flex flex-col gap-3">
				{items?.map((c) => (
					<li key={c.id} class="text-sm">
						<a href={profilePath(c.author)} class="font-semibold">
							{c.author.name}
						</a>{" "}
						<span class="break-words text-white/90">
							<RichText text={c.text} />
						</span>
					</li>
				))}
			</ul>
		</div>
	);
}
