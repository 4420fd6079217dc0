import { describe, expect, it } from "vitest";
import { FrameWindows } from "./frame-window";

const socket = () => ({}) as WebSocket;

describe("FrameWindows", () => {
	it("allows `limit` frames a window per socket, refuses the next, and starts afresh in the next window", () => {
		const windows = new FrameWindows(3, 1_000);
		const a = socket();
		const b = socket();
		expect([0, 10, 20].map((t) => windows.over(a, t))).toEqual([false, false, false]);
		expect(windows.over(a, 30)).toBe(true);
		// Another socket has its own window.
		expect(windows.over(b, 30)).toBe(false);
		// The window is counted from its first frame.
		expect(windows.over(a, 999)).toBe(true);
		expect(windows.over(a, 1_000)).toBe(false);
	});
});
