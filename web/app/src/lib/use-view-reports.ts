// The app's players report each view (playback-reports.ts), signed in as the viewer when they are.
import type { RefObject } from "preact";
import { useEffect } from "preact/hooks";
import { accessToken, session } from "./api";
import { reportWith, watchView } from "./playback-reports";

// When the page is going there is no time to refresh a token: the one at hand goes.
reportWith((keepalive) => (keepalive ? session.value?.accessToken : accessToken()));

/** Reports each time `reelId` is active in `video` as one view. */
export function useViewReports(video: RefObject<HTMLVideoElement>, reelId: string | undefined, active: boolean) {
	useEffect(() => {
		const el = video.current;
		if (!el || !reelId || !active) return;
		return watchView(el, reelId);
	}, [reelId, active]);
}
