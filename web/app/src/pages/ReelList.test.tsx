// @vitest-environment happy-dom
// A cold start gives the first reel the network: its neighbours start buffering once it shows a
// frame, and only the reels on screen or next to it fetch their posters (docs/benchmarks.md, "Swipes").
import { act, cleanup, render } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import { testReel } from "../lib/test-reel";
import { ReelList } from "./Feed";

afterEach(cleanup);

describe("ReelList on a cold start", () => {
	it("buffers the next reel only once the first shows a frame, and fetches only near posters", () => {
		const view = render(<ReelList reels={[0, 1, 2, 3].map((i) => testReel(i))} label="For You" />);
		const videos = () => [...view.container.querySelectorAll("video")];
		expect(videos().map((v) => v.getAttribute("preload"))).toEqual(["auto", "none", "none", "none"]);
		expect(videos().map((v) => v.hasAttribute("poster"))).toEqual([true, true, false, false]);

		act(() => void videos()[0]?.dispatchEvent(new Event("loadeddata")));
		expect(videos().map((v) => v.getAttribute("preload"))).toEqual(["auto", "auto", "none", "none"]);
	});

	it("lets the neighbours buffer when the first reel fails instead", () => {
		const view = render(<ReelList reels={[0, 1].map((i) => testReel(i))} label="For You" />);
		const videos = () => [...view.container.querySelectorAll("video")];
		act(() => void videos()[0]?.dispatchEvent(new Event("error")));
		expect(videos()[1]?.getAttribute("preload")).toBe("auto");
	});
});
