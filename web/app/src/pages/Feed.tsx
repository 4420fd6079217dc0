// The feed: vertical, full height, snapping reel to reel. Scroll or swipe, the
// up and down buttons on a desk, or the keyboard wherever focus is (↓/j next,
// ↑/k previous, space pause, m mute, l like). The reel in view
// plays; the next one is attached and buffers its first seconds in advance, and the one before stays
// attached for a swipe back; the others rest as posters (three media elements at most: a phone
// has few decoders).
import { useEffect, useRef, useState } from "preact/hooks";
import { Icon } from "../components/Icon";
import { ReelCard } from "../components/ReelCard";
import { warmPlayer } from "../components/ReelPlayer";
import { Empty, ErrorText, Loading } from "../components/ui";
import { answer, api, mayResume, session } from "../lib/api";
import { likeAsked, muted } from "../lib/playback";
import { deviceId } from "../lib/playback-reports";
import { prefetchStart } from "../lib/prefetch-start";
import { ApiError } from "../lib/problems";
import type { Reel } from "../lib/types";

/** How long the first reel may take to show a frame before its neighbours start buffering anyway. */
const FIRST_FRAME_HEAD_START_MS = 2_000;

export function ReelList({ reels, onNearEnd, label }: { reels: Reel[]; onNearEnd?: () => void; label: string }) {
	const [active, setActive] = useState(0);
	const list = useRef<HTMLDivElement>(null);
	// Until the first reel shows a frame, it has the network to itself: its neighbours buffering beside it
	// halved the bandwidth of a cold start (docs/benchmarks.md, "Swipes"). Media events do not bubble,
	// so the list listens in the capture phase.
	const [started, setStarted] = useState(false);
	useEffect(() => {
		const root = list.current;
		if (started || !root) return;
		const start = () => setStarted(true);
		const timer = setTimeout(start, FIRST_FRAME_HEAD_START_MS);
		root.addEventListener("loadeddata", start, { capture: true });
		root.addEventListener("error", start, { capture: true });
		return () => {
			clearTimeout(timer);
			root.removeEventListener("loadeddata", start, { capture: true });
			root.removeEventListener("error", start, { capture: true });
		};
	}, [started]);

	useEffect(() => {
		const root = list.current;
		if (!root) return;
		const seen = new IntersectionObserver(
			(entries) => {
				for (const e of entries) {
					if (e.isIntersecting) setActive(Number((e.target as HTMLElement).dataset.index));
				}
			},
			{ root, threshold: 0.6 },
		);
		for (const el of root.querySelectorAll("[data-index]")) seen.observe(el);
		return () => seen.disconnect();
	}, [reels.length]);

	useEffect(() => {
		if (active >= reels.length - 2) onNearEnd?.();
	}, [active, reels.length]);

	// The ARIA feed pattern: each reel is a focusable article; moving moves focus and scrolls.
	const go = (i: number) => {
		const target = list.current?.querySelector<HTMLElement>(`[data-index="${Math.max(0, Math.min(reels.length - 1, i))}"] article`);
		target?.focus({ preventScroll: true });
		target?.scrollIntoView({ behavior: "smooth", block: "start" });
	};

	// The keys work wherever focus is (not only inside a reel), except where typing or in a dialog.
	useEffect(() => {
		const onKey = (e: KeyboardEvent) => {
			const target = e.target as HTMLElement;
			if (e.altKey || e.ctrlKey || e.metaKey || target.closest("input, textarea, select, dialog, [contenteditable]")) return;
			if (e.key === "ArrowDown" || e.key === "j" || e.key === "PageDown") {
				e.preventDefault();
				go(active + 1);
			} else if (e.key === "ArrowUp" || e.key === "k" || e.key === "PageUp") {
				e.preventDefault();
				go(active - 1);
			} else if (e.key === " " && !target.closest("button, a")) {
				// Space pauses and resumes, as in every video player (not the browser's page-down).
				e.preventDefault();
				const video = list.current?.querySelector<HTMLVideoElement>(`[data-index="${active}"] video`);
				if (video) void (video.paused ? video.play().catch(() => undefined) : video.pause());
			} else if (e.key === "m") muted.value = !muted.value;
			else if (e.key === "l") likeAsked.value = likeAsked.value + 1;
		};
		document.addEventListener("keydown", onKey);
		return () => document.removeEventListener("keydown", onKey);
	}, [active, reels.length]);

	return (
		<>
			<div
				ref={list}
				class="snap-feed h-full overflow-y-scroll"
				role="feed"
				aria-label={label}
				aria-busy={false}
				data-active-index={active}
			>
				{reels.map((r, i) => (
					<div key={r.id} data-index={i} class="h-full">
						<ReelCard
							reel={r}
							active={i === active}
							preload={started && Math.abs(i - active) === 1}
							near={Math.abs(i - active) <= 1}
							position={i + 1}
						/>
					</div>
				))}
			</div>
			{reels.length > 1 ? (
				// On a desk, TikTok's up and down buttons at the window's right edge.
				<div class="fixed top-1/2 right-6 z-10 hidden -translate-y-1/2 flex-col gap-3 md:flex">
					<button
						type="button"
						class="rounded-full bg-white/10 p-2 hover:bg-white/20 disabled:opacity-30"
						aria-label="Previous reel"
						disabled={active === 0}
						onClick={() => go(active - 1)}
					>
						<Icon name="up" size={24} />
					</button>
					<button
						type="button"
						class="rounded-full bg-white/10 p-2 hover:bg-white/20 disabled:opacity-30"
						aria-label="Next reel"
						disabled={active >= reels.length - 1}
						onClick={() => go(active + 1)}
					>
						<Icon name="down" size={24} />
					</button>
				</div>
			) : null}
			{reels.length > 1 ? <SwipeHint moved={active > 0} /> : null}
		</>
	);
}

const HINT_SEEN = "reels-edge:swipe-hint-seen";

/** Tells a first visitor how to move on (swipe, scroll or the arrow keys), until they have once. */
function SwipeHint({ moved }: { moved: boolean }) {
	const [show, setShow] = useState(() => !localStorage.getItem(HINT_SEEN));
	useEffect(() => {
		if (!moved || !show) return;
		localStorage.setItem(HINT_SEEN, "1");
		setShow(false);
	}, [moved]);
	if (!show) return null;
	return (
		<p
			role="status"
			class="pointer-events-none fixed inset-x-0 top-1/3 z-10 mx-auto w-fit animate-bounce rounded-full bg-black/70 px-4 py-2 text-sm"
		>
			<span class="md:hidden">Swipe up for the next reel</span>
			<span class="hidden md:inline">Scroll or press ↓ for the next reel</span>
		</p>
	);
}

type FeedKind = "for-you" | "following";

/** A next page that failed is asked for again this many times before the feed says so. */
const NEXT_PAGE_RETRIES = 5;

/** For You and Following, side by side at the top of the home screen, as a person expects them. */
function FeedTabs({ kind }: { kind: FeedKind }) {
	const tab = (to: string, label: string, current: boolean) => (
		<a
			href={to}
			aria-current={current ? "page" : undefined}
			class={`rounded-full px-3 py-1 text-sm font-semibold ${current ? "bg-white text-black" : "text-white/80 hover:text-white"}`}
		>
			{label}
		</a>
	);
	return (
		<nav
			aria-label="Feeds"
			class="fixed inset-x-0 top-14 z-10 mx-auto flex w-fit gap-1 rounded-full bg-black/50 p-1 backdrop-blur md:top-3"
		>
			{tab("/following", "Following", kind === "following")}
			{tab("/", "For You", kind === "for-you")}
		</nav>
	);
}

/** The page after `from` of `kind` (For You ranks by this browser's device id when nobody is signed in). */
function readPage(kind: FeedKind | "newest", from: string | null) {
	const query = { limit: 10, ...(from ? { cursor: from } : {}) };
	if (kind === "for-you") return answer(api.GET("/api/feed/for-you", { params: { query: { ...query, deviceId: deviceId() } } }));
	if (kind === "following") return answer(api.GET("/api/feed", { params: { query } }));
	return answer(api.GET("/api/reels", { params: { query } }));
}

/** For You's first page when it was asked for before the app rendered (readFeedEarly). */
let early: ReturnType<typeof readPage> | undefined;

declare global {
	interface Window {
		/** For You's first page, asked for by the shell's inline script (web/app/index.html) before this script arrived. */
		__forYou?: Promise<Response>;
	}
}

/** The shell's early answer as a page; anything but a page is thrown, and the feed reads again. */
async function shellPage(asked: Promise<Response>): Promise<Awaited<ReturnType<typeof readPage>>> {
	const res = await asked;
	if (!res.ok) throw new Error(`the early read got ${res.status}`);
	return res.json();
}

/**
 * For You's first page as the app starts, before it renders, when the home page opens for someone
 * with no session to resume: the shell's inline script asked for it a round trip before this script
 * arrived (else it is asked for now: rendering and effects would come first). The feed takes it once.
 */
export function readFeedEarly() {
	if (location.pathname !== "/" || mayResume()) return;
	warmPlayer();
	early = window.__forYou ? shellPage(window.__forYou) : readPage("for-you", null);
	window.__forYou = undefined;
	// The first reel's playlists now, not once the feed has rendered (lib/prefetch-start.ts). Failures are
	// the feed's to handle (it reads again): nothing unhandled meanwhile.
	early.then(
		(page) => {
			const first = page.items[0]?.video.hls;
			if (first) prefetchStart(first, window.innerHeight);
		},
		() => undefined,
	);
}

/** The page after `from`, from the early read when it is the one it asked for. */
function pageOf(where: FeedKind | "newest", from: string | null) {
	const got = !from && where === "for-you" && session.value === null ? early : undefined;
	early = undefined;
	return got ? got.catch(() => readPage(where, from)) : readPage(where, from);
}

export function Feed({ kind = "for-you" }: { kind?: FeedKind }) {
	const [reels, setReels] = useState<Reel[] | null>(null);
	const [cursor, setCursor] = useState<string | null>(null);
	const [source, setSource] = useState<FeedKind | "newest">(kind);
	const [error, setError] = useState<string | null>(null);
	const loading = useRef(false);
	/** Which reading of the feed this is: an answer or a retry for an earlier one (another tab, another person) is dropped. */
	const reading = useRef(0);
	const retries = useRef(0);
	/** A retry waiting out Retry-After: until it runs, reaching the end asks for nothing more. */
	const retryTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

	const load = async (from: string | null, where = source) => {
		if (loading.current || retryTimer.current) return;
		loading.current = true;
		const current = reading.current;
		try {
			const page = await pageOf(where, from);
			if (current !== reading.current) return;
			// The first reel's playlists, while hls.js is still loading (lib/prefetch-start.ts).
			const first = page.items[0]?.video.hls;
			if (!from && first) prefetchStart(first, window.innerHeight);
			// Nothing ranked, followed or trending yet: the newest public reels instead.
			if (!from && page.items.length === 0 && where !== "newest") {
				setSource("newest");
				loading.current = false;
				return load(null, "newest");
			}
			retries.current = 0;
			setError(null);
			setReels((prev) => [...(from ? (prev ?? []) : []), ...page.items.filter((r) => !prev?.some((p) => p.id === r.id))]);
			setCursor(page.nextCursor);
		} catch (e) {
			if (current !== reading.current) return;
			const problem = e instanceof ApiError ? e.problem : undefined;
			if (from && retries.current < NEXT_PAGE_RETRIES) {
				// The next page failed (a burst limit, a dropped connection) while reels are on screen: they stay,
				// and the page is asked for again after the server's Retry-After, or a few seconds.
				retries.current++;
				const wait = 1000 * Math.min(60, problem?.retryAfterSeconds ?? 3 * retries.current);
				retryTimer.current = setTimeout(() => {
					retryTimer.current = undefined;
					if (current === reading.current) void load(from, where);
				}, wait);
			} else setError((e as Error).message);
		} finally {
			if (current === reading.current) loading.current = false;
		}
	};

	/** A new reading: whatever the last one still had coming is dropped. */
	const restart = () => {
		reading.current++;
		retries.current = 0;
		loading.current = false;
		clearTimeout(retryTimer.current);
		retryTimer.current = undefined;
	};
	useEffect(() => restart, []);

	// Whose feed: read once the silent sign-in has settled (a reload would otherwise read the anonymous
	// feed first), and again when someone signs in or out.
	const me = session.value;
	const who = me === undefined ? undefined : (me?.user.id ?? null);
	useEffect(() => {
		warmPlayer();
		if (who === undefined) return;
		restart();
		setError(null);
		setReels(null);
		setCursor(null);
		setSource(kind);
		void load(null, kind);
	}, [kind, who]);

	const body =
		error && !reels ? (
			<div class="p-4 pt-16">
				<ErrorText error={error} />
			</div>
		) : !reels ? (
			<Loading label="Loading reels" />
		) : reels.length === 0 ? (
			<div class="pt-16">
				<Empty>No reels yet. Be the first: upload one.</Empty>
			</div>
		) : (
			<ReelList
				key={kind}
				reels={reels}
				label={kind === "for-you" ? "For You" : "Following"}
				onNearEnd={() => cursor && void load(cursor)}
			/>
		);
	return (
		<>
			<FeedTabs kind={kind} />
			{body}
			{error && reels?.length ? (
				// More could not be read even after retrying: the reels already here stay playable.
				<p role="alert" class="fixed inset-x-0 bottom-20 z-10 mx-auto w-fit max-w-[90vw] rounded-full bg-black/80 px-4 py-2 text-sm">
					{error}
				</p>
			) : null}
		</>
	);
}

export function ReelPage({ id }: { id: string }) {
	const [reel, setReel] = useState<Reel | null>(null);
	const [error, setError] = useState<string | null>(null);
	useEffect(() => {
		warmPlayer();
		answer(api.GET("/api/reels/{id}", { params: { path: { id } } }))
			.then(setReel)
			.catch((e: ApiError) => setError(e.message));
	}, [id]);
	if (error) return <ErrorText error={error} />;
	if (!reel) return <Loading label="Loading the reel" />;
	return <ReelList reels={[reel]} label="Reel" />;
}
