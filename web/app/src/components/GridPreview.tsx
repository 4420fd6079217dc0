// A grid tile's animated preview (the video's ~3 s muted loop, `video.preview`): on a device that
// hovers it plays while the pointer or the keyboard focus is on the tile; on a touch screen while
// the tile is mostly in view. The <video> exists only while it plays, so a long grid holds no
// decoders and fetches nothing for tiles nobody looks at. Nothing moves for people who ask for
// reduced motion.
import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

const canHover = () => window.matchMedia("(hover: hover) and (pointer: fine)").matches;
const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

export function GridPreview({ src, tile }: { src: string; tile: RefObject<HTMLElement> }) {
	const [playing, setPlaying] = useState(false);
	const video = useRef<HTMLVideoElement>(null);

	useEffect(() => {
		const el = tile.current;
		if (!el || reducedMotion()) return;
		if (canHover()) {
			const on = () => setPlaying(true);
			const off = () => setPlaying(false);
			el.addEventListener("pointerenter", on);
			el.addEventListener("pointerleave", off);
			el.addEventListener("focusin", on);
			el.addEventListener("focusout", off);
			return () => {
				el.removeEventListener("pointerenter", on);
				el.removeEventListener("pointerleave", off);
				el.removeEventListener("focusin", on);
				el.removeEventListener("focusout", off);
			};
		}
		const seen = new IntersectionObserver(([entry]) => setPlaying(!!entry?.isIntersecting), { threshold: 0.75 });
		seen.observe(el);
		return () => seen.disconnect();
	}, [tile]);

	useEffect(() => {
		// Muted inline playback is allowed everywhere; a refusal (data saver, a policy) just leaves the picture.
		if (playing) video.current?.play().catch(() => undefined);
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
