// One reel, full height: the video, its caption and author, and the actions
// (like with an optimistic count rolled back on error, comments, share (the link, or an embed code), and a
// menu to say "not interested", report the reel or block its author).

import { useEffect, useRef, useState } from "preact/hooks";
import { answer, api, profilePath, session } from "../lib/api";
import { captionsChoice, likeAsked, muted } from "../lib/playback";
import { deviceId } from "../lib/playback-reports";
import type { ApiError } from "../lib/problems";
import { askToSignIn, takePendingAction } from "../lib/sign-in-first";
import type { Reel } from "../lib/types";
import { Comments } from "./Comments";
import { Icon } from "./Icon";
import { ReelPlayer } from "./ReelPlayer";
import { RichText } from "./RichText";
import { Button, Dialog, ErrorText } from "./ui";

const REASONS = ["spam", "nudity", "violence", "harassment", "hate", "copyright", "other"] as const;

export function ReelCard({
	reel,
	active,
	preload,
	near = true,
	position,
}: {
	reel: Reel;
	active: boolean;
	preload: boolean;
	/** On screen or next to it: only then is the poster fetched (a page of ten fetched ten at once, against the first reel's video). */
	near?: boolean;
	position: number;
}) {
	const me = session.value;
	const isMuted = muted.value;
	const hasCaptions = reel.video.captions.length > 0;
	const showCaptions = captionsChoice.value ?? isMuted;
	const [liked, setLiked] = useState(reel.liked);
	const [likes, setLikes] = useState(reel.likeCount);
	const [comments, setComments] = useState(reel.commentCount);
	// A notification's link to a comment (/reel/:id#comments) opens the reel with its comments.
	const [panel, setPanel] = useState<"comments" | "report" | "share" | null>(
		position === 1 && location.hash === "#comments" ? "comments" : null,
	);
	const [notice, setNotice] = useState<string | null>(null);
	/** Set while the notice is about a 'not interested' that can still be taken back. */
	const [undoable, setUndoable] = useState(false);
	const say = (text: string | null, canUndo = false) => {
		setNotice(text);
		setUndoable(canUndo);
	};
	const [error, setError] = useState<string | null>(null);

	/**
	 * Quick taps (or `l` presses) each flip the heart at once, from what it shows now, not from a
	 * render that has not happened yet; the server hears them in order, one at a time, and only the
	 * last one's answer is shown, so two quick taps never end crossed.
	 */
	const likeState = useRef({ liked, sent: Promise.resolve(), latest: 0 });
	const toggleLike = () => {
		// Not known yet (the silent sign-in is running): the button is disabled, and `l` waits too.
		if (me === undefined) return;
		if (!me) return askToSignIn(`Sign in to like ${reel.author.name}'s reel.`, { kind: "like", reelId: reel.id });
		const s = likeState.current;
		const next = !s.liked;
		const mine = ++s.latest;
		s.liked = next;
		// Optimistic: the heart changes at once and goes back if the API says no.
		setLiked(next);
		setLikes((n) => n + (next ? 1 : -1));
		setError(null);
		const like = { params: { path: { id: reel.id } } };
		s.sent = s.sent.then(async () => {
			try {
				const state = await answer(next ? api.POST("/api/reels/{id}/like", like) : api.DELETE("/api/reels/{id}/like", like));
				if (mine !== s.latest) return;
				s.liked = state.liked;
				setLiked(state.liked);
				setLikes(state.likeCount);
			} catch (e) {
				if (mine !== s.latest) return;
				s.liked = !next;
				setLiked(!next);
				setLikes((n) => n + (next ? -1 : 1));
				setError((e as ApiError).message);
			}
		});
	};

	// The feed's `l` key: the reel on screen toggles its like, as its button would. Read through refs,
	// so an ask that comes before this card re-renders still acts on what it shows. A signal's
	// subscriber is called at once with the current ask, which is not a new one.
	const onScreen = useRef({ active, toggleLike });
	onScreen.current = { active, toggleLike };
	useEffect(() => {
		let seen = likeAsked.peek();
		return likeAsked.subscribe((ask) => {
			if (ask === seen) return;
			seen = ask;
			if (onScreen.current.active) onScreen.current.toggleLike();
		});
	}, []);

	// Back from the sign-in sheet: do what was asked on this reel.
	useEffect(() => {
		if (!me) return;
		const pending = takePendingAction((a) => (a.kind === "like" || a.kind === "comment") && a.reelId === reel.id);
		if (pending?.kind === "like" && !liked) void toggleLike();
		if (pending?.kind === "comment") setPanel("comments");
	}, [me?.user.id]);

	const link = `${location.origin}/reel/${reel.id}`;
	// Strangers can open (and so embed) public and unlisted reels only: the others' embed is a 404 page.
	const embeddable = reel.visibility === "public" || reel.visibility === "unlisted";
	const embedCode = `<iframe src="${location.origin}/embed/${reel.id}" width="360" height="640" frameborder="0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>`;
	// A share is a For You signal (more of this creator and these hashtags); only a statistic, so a failure is let go.
	const shared = (channel: "link" | "embed" | "system") =>
		void api
			.POST("/api/reels/{id}/share", { params: { path: { id: reel.id } }, body: { deviceId: deviceId(), channel } })
			.catch(() => undefined);
	const copy = async (text: string, done: string, channel: "link" | "embed") => {
		try {
			await navigator.clipboard.writeText(text);
			say(done);
		} catch {
			say(text);
		}
		setPanel(null);
		shared(channel);
	};
	// The system's share sheet (phones, and desks that have one): to any app the person has.
	const canShareBySystem = typeof navigator.share === "function";
	const shareBySystem = async () => {
		try {
			await navigator.share({ title: reel.caption || `A reel by ${reel.author.name}`, url: link });
		} catch {
			return; // dismissed, or refused: nothing was shared
		}
		setPanel(null);
		shared("system");
	};

	const blockAuthor = async () => {
		try {
			await api.POST("/api/users/{id}/block", { params: { path: { id: reel.author.id } } });
			setPanel(null);
			say(`You blocked ${reel.author.name}: their reels will not show for you.`);
		} catch (e) {
			setError((e as ApiError).message);
		}
	};

	const notInterested = async () => {
		try {
			await api.POST("/api/reels/{id}/not-interested", { params: { path: { id: reel.id } }, body: { deviceId: deviceId() } });
			setPanel(null);
			say(`Noted: less like this, and less of ${reel.author.name}, in For You.`, true);
		} catch (e) {
			setError((e as ApiError).message);
		}
	};

	const interestedAgain = async () => {
		try {
			await api.DELETE("/api/reels/{id}/not-interested", { params: { path: { id: reel.id }, query: { deviceId: deviceId() } } });
			say("Undone: For You counts it as before.");
		} catch (e) {
			setError((e as ApiError).message);
		}
	};

	const report = async (reason: (typeof REASONS)[number]) => {
		try {
			await api.POST("/api/reels/{id}/report", { params: { path: { id: reel.id } }, body: { reason } });
			setPanel(null);
			say("Thanks, we will look at it.");
		} catch (e) {
			setError((e as ApiError).message);
		}
	};

	return (
		<article
			class="snap-reel relative flex h-full w-full items-center justify-center bg-black md:gap-5 md:py-4"
			aria-label={`Reel by ${reel.author.name}`}
			aria-posinset={position}
			aria-setsize={-1}
			// biome-ignore lint/a11y/noNoninteractiveTabindex: the ARIA feed pattern makes each article focusable (arrow keys move between them)
			tabIndex={0}
			data-reel-id={reel.id}
		>
			{/* The video's frame: the whole screen on a phone (cropped to fill, as TikTok does), a 9:16 column on a desk. */}
			<div class="relative h-full w-full overflow-hidden md:aspect-[9/16] md:w-auto md:rounded-xl md:bg-neutral-900">
				<ReelPlayer
					src={reel.video.hls}
					poster={near ? reel.video.poster : null}
					active={active}
					preload={preload}
					label={`${reel.caption || "Reel"} by ${reel.author.name}`}
					reportAs={reel.id}
					captions={reel.video.captions}
					showCaptions={showCaptions}
				/>
				{active && isMuted ? (
					<button
						type="button"
						class="absolute top-28 left-3 flex items-center gap-1.5 rounded-full bg-black/60 px-3 py-1.5 text-sm md:top-3"
						onClick={() => {
							muted.value = false;
						}}
					>
						<Icon name="mute" size={18} />
						Unmute
					</button>
				) : null}
				<div class="pointer-events-none absolute inset-x-0 bottom-0 bg-gradient-to-t from-black/80 via-black/40 to-transparent p-4 pt-16 pr-20 md:pr-4">
					<a href={profilePath(reel.author)} class="pointer-events-auto block truncate font-semibold">
						{reel.author.name} <span class="font-normal text-white/70">@{reel.author.handle}</span>
					</a>
					<p class="pointer-events-auto mt-1 line-clamp-3 break-words text-sm text-white/90">
						<RichText text={reel.caption} />
					</p>
					{reel.visibility !== "public" ? <p class="mt-1 text-xs text-yellow-300">{reel.visibility}</p> : null}
					<ErrorText error={error} />
					{notice ? (
						<p role="status" class="mt-1 text-xs text-white/80">
							{notice}
							{undoable ? (
								<button
									type="button"
									class="pointer-events-auto ml-2 font-semibold text-yellow-300 underline"
									onClick={() => void interestedAgain()}
								>
									Undo
								</button>
							) : null}
						</p>
					) : null}
				</div>
			</div>
			{/* The actions: over the video's right edge on a phone, beside it on a desk. */}
			<div class="absolute right-3 bottom-28 flex flex-col items-center gap-4 md:static md:mb-6 md:self-end">
				<button
					type="button"
					class="flex flex-col items-center"
					aria-pressed={liked}
					onClick={toggleLike}
					data-action="like"
					// Not yet known whether anyone is signed in (the silent refresh after a reload): wait.
					disabled={me === undefined}
				>
					<span class={liked ? "text-red-500" : "text-white"}>
						<Icon name="heart" filled={liked} />
					</span>
					{/* The name comes from the content (no aria-label), so it contains the visible count. */}
					<span class="sr-only">{liked ? "Unlike" : "Like"}, likes:</span>
					<span class="text-xs" data-like-count>
						{likes}
					</span>
				</button>
				<button type="button" class="flex flex-col items-center" onClick={() => setPanel("comments")}>
					<Icon name="comment" />
					<span class="sr-only">Comments:</span>
					<span class="text-xs">{comments}</span>
				</button>
				<button type="button" aria-label="Share" onClick={() => setPanel("share")}>
					<Icon name="share" />
				</button>
				{me ? (
					<button type="button" aria-label="More: report or block" onClick={() => setPanel("report")}>
						<Icon name="flag" size={24} />
					</button>
				) : null}
				<button
					type="button"
					aria-label={isMuted ? "Unmute" : "Mute"}
					onClick={() => {
						muted.value = !isMuted;
					}}
				>
					<Icon name={isMuted ? "mute" : "sound"} size={24} />
				</button>
				{hasCaptions ? (
					<button
						type="button"
						aria-label="Subtitles"
						aria-pressed={showCaptions}
						class={showCaptions ? "text-white" : "text-white/50"}
						onClick={() => {
							captionsChoice.value = !showCaptions;
						}}
					>
						<Icon name="captions" size={24} />
					</button>
				) : null}
			</div>
			<Dialog open={panel === "comments"} title="Comments" onClose={() => setPanel(null)}>
				<Comments
					reelId={reel.id}
					onAdded={() => setComments((n) => n + 1)}
					onSignIn={() => {
						setPanel(null);
						askToSignIn(`Sign in to comment on ${reel.author.name}'s reel.`, { kind: "comment", reelId: reel.id });
					}}
				/>
			</Dialog>
			<Dialog open={panel === "share"} title="Share" onClose={() => setPanel(null)}>
				<div class="flex flex-col gap-3">
					{canShareBySystem ? <Button onClick={() => void shareBySystem()}>Share to…</Button> : null}
					<Button variant={canShareBySystem ? "ghost" : "primary"} onClick={() => void copy(link, "Link copied.", "link")}>
						Copy link
					</Button>
					{embeddable ? (
						<>
							<label class="flex flex-col gap-1 text-sm text-white/80">
								Embed on your site
								<textarea
									readOnly
									rows={3}
									class="w-full resize-none rounded-lg bg-neutral-800 p-2 font-mono text-xs text-white"
									value={embedCode}
									onFocus={(e) => e.currentTarget.select()}
								/>
							</label>
							<Button variant="ghost" onClick={() => void copy(embedCode, "Embed code copied.", "embed")}>
								Copy embed code
							</Button>
						</>
					) : (
						<p class="text-sm text-white/70">Only its viewers can open this reel, so it cannot be embedded.</p>
					)}
				</div>
			</Dialog>
			<Dialog open={panel === "report"} title="Report or block" onClose={() => setPanel(null)}>
				{me && me.user.id !== reel.author.id ? (
					<Button variant="ghost" class="mb-4" onClick={() => void notInterested()}>
						Not interested
					</Button>
				) : null}
				<p class="mb-2 text-sm text-white/80">Report this reel:</p>
				<div class="flex flex-wrap gap-2">
					{REASONS.map((r) => (
						<Button key={r} variant="ghost" onClick={() => void report(r)}>
							{r}
						</Button>
					))}
				</div>
				{me && me.user.id !== reel.author.id ? (
					<Button variant="danger" class="mt-4" onClick={() => void blockAuthor()}>
						Block {reel.author.name}
					</Button>
				) : null}
			</Dialog>
		</article>
	);
}
