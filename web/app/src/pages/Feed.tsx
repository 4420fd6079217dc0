// The feed: vertical, full height, snapping reel to reel. Scroll or swipe, or
// the keyboard (↓/j next, ↑/k previous, m mute, l like). The reel in view
// plays, the next one is attached in advance, the others rest as posters.
import { useEffect, useRef, useState } from "preact/hooks";
import { ReelCard } from "../components/ReelCard";
import { Empty, ErrorText, Loading } from "../components/ui";
import { api } from "../lib/api";
import { muted } from "../lib/playback";
import type { ApiError } from "../lib/problems";
import type { Page, Reel } from "../lib/types";

export function ReelList({ reels, onNearEnd, label }: { reels: Reel[]; onNearEnd?: () => void; label: string }) {
	const [active, setActive] = useState(0);
	const list = useRef<HTMLDivElement>(null);

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

	const onKey = (e: KeyboardEvent) => {
		if ((e.target as HTMLElement).closest("input, textarea, dialog")) return;
		if (e.key === "ArrowDown" || e.key === "j" || e.key === "PageDown") {
			e.preventDefault();
			go(active + 1);
		} else if (e.key === "ArrowUp" || e.key === "k" || e.key === "PageUp") {
			e.preventDefault();
			go(active - 1);
		} else if (e.key === "m") muted.set(!muted.get());
		else if (e.key === "l")
			(list.current?.querySelector(`[data-index="${active}"] [data-action="like"]`) as HTMLButtonElement | null)?.click();
	};

	return (
		<div
			ref={list}
			class="snap-feed h-full overflow-y-scroll"
			role="feed"
			aria-label={label}
			aria-busy={false}
			onKeyDown={onKey}
			data-active-index={active}
		>
			{reels.map((r, i) => (
				<div key={r.id} data-index={i} class="h-full">
					<ReelCard reel={r} active={i === active} preload={i === active + 1} position={i + 1} />
				</div>
			))}
		</div>
	);
}

export function Feed() {
	const [reels, setReels] = useState<Reel[] | null>(null);
	const [cursor, setCursor] = useState<string | null>(null);
	const [source, setSource] = useState<"/api/feed" | "/api/reels">("/api/feed");
	const [error, setError] = useState<string | null>(null);
	const loading = useRef(false);

	const load = async (from: string | null, where = source) => {
		if (loading.current) return;
		loading.current = true;
		try {
			const page = await api<Page<Reel>>(`${where}?limit=10${from ? `&cursor=${encodeURIComponent(from)}` : ""}`);
			// Nothing followed or trending yet: the newest public reels instead.
			if (!from && page.items.length === 0 && where === "/api/feed") {
				setSource("/api/reels");
				loading.current = false;
				return load(null, "/api/reels");
			}
			setReels((prev) => [...(from ? (prev ?? []) : []), ...page.items.filter((r) => !prev?.some((p) => p.id === r.id))]);
			setCursor(page.nextCursor);
		} catch (e) {
			setError((e as ApiError).message);
		} finally {
			loading.current = false;
		}
	};

	useEffect(() => {
		void load(null);
	}, []);

	if (error && !reels)
		return (
			<div class="p-4 pt-16">
				<ErrorText error={error} />
			</div>
		);
	if (!reels) return <Loading label="Loading reels" />;
	if (reels.length === 0)
		return (
			<div class="pt-16">
				<Empty>No reels yet. Be the first: upload one.</Empty>
			</div>
		);
	return <ReelList reels={reels} label="Reels" onNearEnd={() => cursor && void load(cursor)} />;
}

export function ReelPage({ id }: { id: string }) {
	const [reel, setReel] = useState<Reel | null>(null);
	const [error, setError] = useState<string | null>(null);
	useEffect(() => {
		api<Reel>(`/api/reels/${id}`)
			.then(setReel)
			.catch((e: ApiError) => setError(e.message));
	}, [id]);
	if (error) return <ErrorText error={error} />;
	if (!reel) return <Loading label="Loading the reel" />;
	return <ReelList reels={[reel]} label="Reel" />;
}
