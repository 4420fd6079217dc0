// A grid tile's animated preview (the video's ~3 s muted loop, `video.preview`). On a device that
// hovers it plays while the pointer rests on the tile (after a moment, so a pointer sweeping across
// a grid starts nothing) or the keyboard focus is on it; on a touch screen one tile plays at a time:
// the topmost of those mostly in view. The <video> exists only while it plays and gives its buffers
// back when it stops, so a long grid holds no decoders and fetches nothing for tiles nobody looks
// at. Nothing moves for people who ask for reduced motion.
import { signal } from "@preact/signals";
import type { RefObject } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";

const canHover = () => window.matchMedia("(hover: hover) and (pointer: fine)").matches;
const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;
/** A pointer resting this long on a tile means it; one passing over does not. */
const HOVER_DELAY_MS = 150;

/** Touch screens: the tiles mostly in view, and the one of them that plays (the topmost). */
const inView = new Map<symbol, HTMLElement>();
const playingTile = signal<symbol | null>(null);
function pickTopmost() {
	let best: symbol | null = null;
	let top = Number.POSITIVE_INFINITY;
	for (const [tile, el] of inView) {
		const y = el.getBoundingClientRect().top;
		if (y < top) [best, top] = [tile, y];
	}
	playingTile.value = best;
}

export function GridPreview({ src, tile }: { src: string; tile: RefObject<HTMLElement> }) {
	const me = useMemo(() => Symbol("tile"), []);
	const [hovered, setHovered] = useState(false);
	const [touch, setTouch] = useState(false);
	const video = useRef<HTMLVideoElement>(null);

	useEffect(() => {
		const el = tile.current;
		if (!el || reducedMotion()) return;
		if (canHover()) {
			let timer: ReturnType<typeof setTimeout> | undefined;
			const on = () => {
				clearTimeout(timer);
				timer = setTimeout(() => setHovered(true), HOVER_DELAY_MS);
			};
			const focus = () => setHovered(true);
			const off = () => {
				clearTimeout(timer);
				setHovered(false);
			};
			el.addEventListener("pointerenter", on);
			el.addEventListener("pointerleave", off);
			el.addEventListener("focusin", focus);
			el.addEventListener("focusout", off);
			return () => {
				clearTimeout(timer);
				el.removeEventListener("pointerenter", on);
				el.removeEventListener("pointerleave", off);
				el.removeEventListener("focusin", focus);
				el.removeEventListener("focusout", off);
			};
		}
		setTouch(true);
		const seen = new IntersectionObserver(
			([entry]) => {
				if (entry?.isIntersecting) inView.set(me, el);
				else inView.delete(me);
				pickTopmost();
			},
			{ threshold: 0.75 },
		);
		seen.observe(el);
		return () => {
			seen.disconnect();
			inView.delete(me);
			pickTopmost();
		};
	}, [tile, me]);

	const playing = touch ? playingTile.value === me : hovered;

	useEffect(() => {
		if (!playing) return;
		const v = video.current;
		// Muted inline playback is allowed everywhere; a refusal (data saver, a policy) just leaves the picture.
		v?.play().catch(() => undefined);
		return () => {
			// Gives the decoder and its buffers back now, not whenever the element is collected.
			v?.pause();
			v?.removeAttribute("src");
			v?.load();
		};
	}, [playing]);

	if (!playing) return null;
	return (
		<video
			ref={video}
			src={src}
			muted
			loop
			playsInline
			autoPlay
			preload="auto"
			aria-hidden="true"
			tabIndex={-1}
			data-grid-preview
			class="pointer-events-none absolute inset-0 h-full w-full object-cover"
		/>
	);
}
