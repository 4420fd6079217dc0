// The embed player's script (embed/index.html): the Worker has written the reel into the <video>
// (`data-src`: its HLS manifest; poster, autoplay, loop, controls). Native HLS where the browser
// has it, hls.js light elsewhere or when native playback fails (Chromium's own HLS reads fMP4 but
// not MPEG-TS), loaded only when needed. What it plays is reported as one view, as the app's players
// report theirs (POST /api/playback: start, watch time, stalls, end), anonymously by device id.
import { flush, watchView } from "../lib/playback-reports";
import "./player.css";

type HlsClass = typeof import("hls.js/light").default;

function withHlsJs(video: HTMLVideoElement, src: string): void {
	void import("hls.js/light").then(({ default: Hls }: { default: HlsClass }) => {
		if (!Hls.isSupported()) return unavailable(video);
		const hls = new Hls({ capLevelToPlayerSize: true, startLevel: -1 });
		hls.loadSource(src);
		hls.attachMedia(video);
		// An autoplay asked for before hls.js had a source was refused: ask again now.
		if (video.autoplay) void video.play().catch(() => undefined);
	});
}

function unavailable(video: HTMLVideoElement): void {
	document.getElementById("unavailable")?.removeAttribute("hidden");
	video.remove();
}

function start(video: HTMLVideoElement, src: string): void {
	// The `muted` attribute sets only the default; autoplay needs the property.
	video.muted = video.hasAttribute("muted");
	const reelId = video.dataset.reel;
	if (reelId) {
		const end = watchView(video, reelId);
		// The page going is the view's end: queued first, then sent while the page can still send.
		addEventListener("pagehide", () => {
			end();
			flush(true);
		});
	}
	if (video.canPlayType("application/vnd.apple.mpegurl")) {
		video.addEventListener(
			"error",
			() => {
				video.removeAttribute("src");
				video.load();
				withHlsJs(video, src);
			},
			{ once: true },
		);
		video.src = src;
	} else withHlsJs(video, src);
}

const video = document.querySelector<HTMLVideoElement>("video[data-src]");
const src = video?.dataset.src;
if (video && src) start(video, src);
