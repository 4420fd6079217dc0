// A reel as the API returns it, for the app's component tests (never imported by the app itself).
import type { Reel } from "./types";

/** Reel `n` (ids, caption, master playlist and poster numbered by it), with `changes` over it. */
export function testReel(n: number, changes: Partial<Omit<Reel, "video">> & { video?: Partial<Reel["video"]> } = {}): Reel {
	const { video, ...rest } = changes;
	return {
		id: `00000000-0000-4000-8000-00000000000${n}`,
		caption: `reel ${n}`,
		hashtags: [],
		author: { id: "00000000-0000-4000-8000-0000000000aa", name: "Ada", handle: "ada" },
		commentCount: 0,
		likeCount: 0,
		viewCount: 0,
		liked: false,
		hidden: false,
		visibility: "public",
		createdAt: "2026-12-03T00:00:00.000Z",
		...rest,
		video: {
			id: `00000000-0000-4000-8000-00000000010${n}`,
			status: "ready",
			hls: `/cdn/r${n}/hls/master.m3u8`,
			dash: null,
			poster: `/cdn/r${n}/poster.jpg`,
			thumbnail: null,
			storyboard: null,
			preview: null,
			captions: [],
			duration: 10,
			...video,
		},
	};
}
