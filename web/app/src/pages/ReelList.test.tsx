// @vitest-environment happy-dom
// A cold start gives the first reel the network: its neighbours start buffering once it shows a
// frame, and only the reels on screen or next to it fetch their posters (docs/benchmarks.md, "Swipes").
import { act, cleanup, render } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import type { Reel } from "../lib/types";
import { ReelList } from "./Feed";

afterEach(cleanup);

const reel = (i: number): Reel => ({
	id: `00000000-0000-4000-8000-00000000000${i}`,
	caption: `reel ${i}`,
	hashtags: [],
	author: { id: "00000000-0000-4000-8000-0000000000aa", name: "Ada", handle: "ada" },
	commentCount: 0,
	likeCount: 0,
	viewCount: 0,
	liked: false,
	hidden: false,
	visibility: "public",
	createdAt: "2026-12-03T00:00:00.000Z",
	video: {
		id: `00000000-0000-4000-8000-00000000010${i}`,
		status: "ready",
		hls: `/cdn/r${i}/hls/master.m3u8`,
		dash: null,
		poster: `/cdn/r${i}/poster.jpg`,
		thumbnail: null,
		storyboard: null,
		preview: null,
		captions: [],
		duration: 10,
	},
});

describe("ReelList on a cold start", () => {
	it("buffers the next reel only once the first shows a frame, and fetches only near posters", () => {
		const view = render(<ReelList reels={[0, 1, 2, 3].map(reel)} label="For You" />);
		const videos = () => [...view.container.querySelectorAll("video")];
		expect(videos().map((v) => v.getAttribute("preload"))).toEqual(["auto", "none", "none", "none"]);
		expect(videos().map((v) => v.hasAttribute("poster"))).toEqual([true, true, false, false]);

		act(() => void videos()[0]?.dispatchEvent(new Event("loadeddata")));
		expect(videos().map((v) => v.getAttribute("preload"))).toEqual(["auto", "auto", "none", "none"]);
	});

	it("lets the neighbours buffer when the first reel fails instead", () => {
		const view = render(<ReelList reels={[0, 1].map(reel)} label="For You" />);
		const videos = () => [...view.container.querySelectorAll("video")];
		act(() => void videos()[0]?.dispatchEvent(new Event("error")));
		expect(videos()[1]?.getAttribute("preload")).toBe("auto");
	});
});
