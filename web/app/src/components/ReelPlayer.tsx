// One reel's video: native HLS where the browser has it (Safari), hls.js
// elsewhere (loaded on first use, so it is not in the first bundle). Muted
// autoplay while active; the poster shows until the first frame; the next
// reel is attached in advance (preload) so swiping to it starts at once.
// Caption tracks are the video's own <track> elements, so the browser draws
// them whether hls.js or native HLS plays the picture.
import { useEffect, useRef } from "preact/hooks";
import { muted, preferredTrack } from "../lib/playback";
import { useViewReports } from "../lib/playback-reports";
import type { Reel } from "../lib/types";

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

export function ReelPlayer({
	src,
	poster,
	active,
	preload,
	label,
	reportAs,
	preferHlsJs = false,
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
	/** Use hls.js wherever Media Source Extensions exist (live streams), native HLS only elsewhere. */
	preferHlsJs?: boolean;
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

	useEffect(() => {
		const el = video.current;
		if (!el || !src || !attached) return;
		let hls: Hls | undefined;
		let cancelled = false;
		const withHlsJs = () => {
			hlsModule ??= import("hls.js/light");
			void hlsModule.then(({ default: HlsClass }) => {
				if (cancelled || !HlsClass.isSupported()) return;
				// Start at a mid rung and let ABR move; a preloaded reel buffers only a little. A live stream
				// plays two of its one-second segments behind the edge rather than hls.js's default three:
				// about a second less from camera to viewer (docs/benchmarks.md, "Live in the browser").
				hls = new HlsClass({
					capLevelToPlayerSize: true,
					maxBufferLength: active ? 30 : 4,
					startLevel: -1,
					...(preferHlsJs ? { liveSyncDurationCount: 2 } : {}),
				});
				hls.loadSource(src);
				hls.attachMedia(el);
				// A play() asked for before hls.js had loaded found no source and was refused: ask again now.
				if (active) void el.play().catch(() => undefined);
			});
		};
		// Chromium's own HLS reads fMP4 segments but not MPEG-TS (live streams and their recordings): when
		// native playback fails, hls.js takes over. A live page asks for hls.js from the start.
		const nativeFailed = () => {
			el.removeAttribute("src");
			el.load();
			withHlsJs();
		};
		if (!preferHlsJs && el.canPlayType("application/vnd.apple.mpegurl")) {
			el.addEventListener("error", nativeFailed, { once: true });
			el.src = src;
		} else withHlsJs();
		return () => {
			cancelled = true;
			el.removeEventListener("error", nativeFailed);
			hls?.destroy();
			el.removeAttribute("src");
			el.load();
		};
	}, [src, attached]);

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
