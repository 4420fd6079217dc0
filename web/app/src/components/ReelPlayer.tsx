// One reel's video: hls.js wherever Media Source Extensions exist (loaded on first use, so it is
// not in the first bundle), the browser's own HLS only where they do not (older iPhones). hls.js is
// chosen over a native HLS that exists (Chromium's, Safari's) because it lets the feed decide what a
// reel waiting off screen holds: a preloaded reel buffers its first seconds at the rung that fills the
// player, so a swipe to it plays the moment it lands (docs/benchmarks.md, "Swipes"), where Chromium's
// own HLS fetched the next segment only on play(). Muted autoplay while active; the poster shows
// until the first frame. Caption tracks are the video's own <track> elements, so the browser draws
// them whichever plays the picture.
import { useEffect, useRef } from "preact/hooks";
import { muted, preferredTrack } from "../lib/playback";
import { startRung } from "../lib/start-rung";
import type { Reel } from "../lib/types";
import { useViewReports } from "../lib/use-view-reports";

type Hls = import("hls.js/light").default;

/**
 * Cues the creator did not place sit four lines up from the bottom, above the reel's author and
 * caption drawn over the video's foot (a placed cue keeps its place).
 */
function liftCues(track: TextTrack) {
	for (const cue of Array.from(track.cues ?? [])) {
		if (cue instanceof VTTCue && cue.line === "auto") cue.line = -4;
	}
}

const onTrackLoad = (e: Event) => liftCues((e.currentTarget as HTMLTrackElement).track);
let hlsModule: Promise<typeof import("hls.js/light")> | undefined;

/** Media Source Extensions (ManagedMediaSource on iPhones since iOS 17.1): what hls.js plays through. */
const hasMse = () => "MediaSource" in window || "ManagedMediaSource" in window;

/** Starts fetching hls.js where it will play: a feed calls it while its first page is read, in parallel. */
export function warmPlayer() {
	if (hasMse()) hlsModule ??= import("hls.js/light");
}

/** Seconds a reel off screen (next, or the one before) keeps buffered, and the one on screen. */
const WAITING_BUFFER_S = 4;
const PLAYING_BUFFER_S = 30;

export function ReelPlayer({
	src,
	poster,
	active,
	preload,
	label,
	reportAs,
	live = false,
	fill = true,
	captions = [],
	showCaptions = false,
}: {
	src: string | null;
	poster: string | null;
	active: boolean;
	preload: boolean;
	label: string;
	/** The reel whose views this player reports (lib/playback-reports.ts): each time it is active is one view. */
	reportAs?: string;
	/** A live stream: played two segments behind the edge. */
	live?: boolean;
	/** Crop to fill the frame on a phone (a reel); false letterboxes (a live preview, any shape). */
	fill?: boolean;
	captions?: Reel["video"]["captions"];
	/** Show the viewer's language's track (preferredTrack), else none. */
	showCaptions?: boolean;
}) {
	const video = useRef<HTMLVideoElement>(null);
	const isMuted = muted.value;
	const attached = active || preload;
	useViewReports(video, reportAs, active);
	// hls.js arrives asynchronously: what it is set up with must be whether the reel is active then, not when it was attached.
	const isActive = useRef(active);
	isActive.current = active;

	const hlsRef = useRef<Hls | undefined>(undefined);

	useEffect(() => {
		const el = video.current;
		if (!el || !src || !attached) return;
		let cancelled = false;
		const native = () => {
			el.src = src;
		};
		const withHlsJs = () => {
			hlsModule ??= import("hls.js/light");
			void hlsModule.then(({ default: HlsClass }) => {
				if (cancelled) return;
				if (!HlsClass.isSupported()) return native();
				// A live stream plays two of its one-second segments behind the edge rather than hls.js's default
				// three: about a second less from camera to viewer (docs/benchmarks.md, "Live in the browser").
				const hls = new HlsClass({
					capLevelToPlayerSize: true,
					maxBufferLength: isActive.current ? PLAYING_BUFFER_S : WAITING_BUFFER_S,
					autoStartLoad: false,
					...(live ? { liveSyncDurationCount: 2 } : {}),
				});
				hlsRef.current = hls;
				hls.on(HlsClass.Events.MANIFEST_PARSED, (_event, data) => {
					hls.startLevel = startRung(data.levels, el.clientHeight);
					// No position: a reel starts at 0 (its playlist says so while it is still processing), a live
					// stream near its edge.
					hls.startLoad();
				});
				// A fatal error gets one recovery (fetching again, or rebuilding the decoder); a second gives the
				// video its error event, so the poster stays, and the view reports the failure (playback-reports.ts).
				let recovered = false;
				hls.on(HlsClass.Events.ERROR, (_event, data) => {
					if (!data.fatal) return;
					if (!recovered && data.type === HlsClass.ErrorTypes.NETWORK_ERROR) hls.startLoad();
					else if (!recovered && data.type === HlsClass.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
					else {
						hls.destroy();
						if (hlsRef.current === hls) hlsRef.current = undefined;
						el.dispatchEvent(new Event("error"));
					}
					recovered = true;
				});
				hls.loadSource(src);
				hls.attachMedia(el);
				// A play() asked for before hls.js had loaded found no source and was refused: ask again now.
				if (isActive.current) void el.play().catch(() => undefined);
			});
		};
		// Where hls.js cannot run (no Media Source Extensions), the browser's own HLS (Safari on older iPhones).
		if (hasMse()) withHlsJs();
		else native();
		return () => {
			cancelled = true;
			hlsRef.current?.destroy();
			hlsRef.current = undefined;
			el.removeAttribute("src");
			el.load();
		};
	}, [src, attached]);

	// A preloaded reel that comes on screen keeps buffering ahead; one that leaves it holds only a little.
	useEffect(() => {
		const hls = hlsRef.current;
		if (hls) hls.config.maxBufferLength = active ? PLAYING_BUFFER_S : WAITING_BUFFER_S;
	}, [active]);

	useEffect(() => {
		const el = video.current;
		if (!el) return;
		if (active) void el.play().catch(() => undefined);
		else el.pause();
	}, [active, src]);

	// One track showing, or none; the others disabled, so they are not even fetched.
	const shown = showCaptions ? preferredTrack(captions)?.url : undefined;
	useEffect(() => {
		const el = video.current;
		if (!el) return;
		const tracks = Array.from(el.querySelectorAll("track"));
		for (const track of tracks) {
			track.track.mode = track.getAttribute("src") === shown ? "showing" : "disabled";
			if (track.readyState === HTMLTrackElement.LOADED) liftCues(track.track);
			else track.addEventListener("load", onTrackLoad);
		}
		return () => {
			for (const track of tracks) track.removeEventListener("load", onTrackLoad);
		};
	}, [shown, captions]);

	return (
		<video
			ref={video}
			class={`h-full w-full ${fill ? "object-cover md:object-contain" : "object-contain"}`}
			poster={poster ?? undefined}
			muted={isMuted}
			loop
			playsInline
			preload={attached ? "auto" : "none"}
			aria-label={label}
			data-active={active ? "true" : "false"}
		>
			{captions.map((t) => (
				<track key={t.url} kind="subtitles" src={t.url} srclang={t.lang} label={t.label} />
			))}
		</video>
	);
}
