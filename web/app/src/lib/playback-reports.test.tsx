// @vitest-environment happy-dom
import { act, cleanup, render } from "@testing-library/preact";
import { useRef } from "preact/hooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useViewReports } from "./use-view-reports";

/** Two reels, one active at a time, as the feed has them. */
function Feed({ active }: { active: "a" | "b" }) {
	const a = useRef<HTMLVideoElement>(null);
	const b = useRef<HTMLVideoElement>(null);
	useViewReports(a, "00000000-0000-4000-8000-00000000000a", active === "a");
	useViewReports(b, "00000000-0000-4000-8000-00000000000b", active === "b");
	return (
		<>
			<video ref={a} data-reel="a">
				<track kind="captions" />
			</video>
			<video ref={b} data-reel="b">
				<track kind="captions" />
			</video>
		</>
	);
}

const video = (reel: string) => document.querySelector(`video[data-reel="${reel}"]`) as HTMLVideoElement;
const sent: { type: string; reelId: string }[][] = [];

beforeEach(() => {
	sent.length = 0;
	vi.useFakeTimers();
	vi.stubGlobal(
		"fetch",
		vi.fn(async (_url: string, init: RequestInit) => {
			sent.push((JSON.parse(init.body as string) as { events: { type: string; reelId: string }[] }).events);
			return new Response(JSON.stringify({ accepted: 1, ignored: 0 }));
		}),
	);
});
afterEach(() => {
	cleanup();
	vi.useRealTimers();
	vi.unstubAllGlobals();
});

describe("playback reports", () => {
	it("sends a swipe's end and the next reel's start in one report, within a second", async () => {
		const { rerender } = render(<Feed active="a" />);
		act(() => {
			video("a").dispatchEvent(new Event("playing"));
		});
		rerender(<Feed active="b" />);
		act(() => {
			video("b").dispatchEvent(new Event("playing"));
		});
		expect(sent).toHaveLength(0);
		await act(async () => {
			await vi.advanceTimersByTimeAsync(1_000);
		});
		expect(sent).toHaveLength(1);
		expect(sent[0]?.map((e) => `${e.type}:${e.reelId.slice(-1)}`)).toEqual(["start:a", "end:a", "start:b"]);
	});

	it("sends at most one report a second however fast the swipes come", async () => {
		const { rerender } = render(<Feed active="a" />);
		for (let i = 0; i < 6; i++) {
			const on = i % 2 === 0 ? "a" : "b";
			rerender(<Feed active={on} />);
			act(() => {
				video(on).dispatchEvent(new Event("playing"));
			});
			await act(async () => {
				await vi.advanceTimersByTimeAsync(300);
			});
		}
		await act(async () => {
			await vi.advanceTimersByTimeAsync(1_000);
		});
		// 6 swipes over 1.8 s (a start and an end each): two reports, every event in one of them.
		expect(sent.length).toBeLessThanOrEqual(3);
		expect(sent.flat().filter((e) => e.type === "start")).toHaveLength(6);
	});
});
