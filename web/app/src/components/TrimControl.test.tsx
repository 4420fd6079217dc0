// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Range, TrimControl } from "./TrimControl";

afterEach(cleanup);

/** The control over a video of `duration` seconds, once the browser has read its length. */
function trimmed(duration: number, maxSeconds?: number) {
	const onChange = vi.fn<(range: Range | null, duration: number) => void>();
	const view = render(<TrimControl src="blob:video" onChange={onChange} {...(maxSeconds ? { maxSeconds } : {})} />);
	const video = view.container.querySelector("video") as HTMLVideoElement;
	Object.defineProperty(video, "duration", { value: duration });
	act(() => void video.dispatchEvent(new Event("loadedmetadata")));
	const [start, end] = [...view.container.querySelectorAll<HTMLInputElement>("input[type=range]")];
	const move = (input: HTMLInputElement | undefined, value: number) =>
		act(() => void fireEvent.input(input as HTMLInputElement, { target: { value } }));
	return { onChange, start, end, move, last: () => onChange.mock.calls.at(-1)?.[0] };
}

describe("TrimControl", () => {
	it("keeps the whole video until a handle moves (no trim), then reports the range", () => {
		const t = trimmed(20);
		expect(t.onChange).not.toHaveBeenCalled();
		t.move(t.start, 5);
		expect(t.last()).toEqual({ start: 5, end: 20 });
		t.move(t.start, 0);
		expect(t.last()).toBeNull();
	});

	it("for a video longer than a reel may be, starts on its first part that fits and never keeps more", () => {
		const t = trimmed(240, 180);
		expect(t.last()).toEqual({ start: 0, end: 180 });
		// The end moved later drags the start along: at most 180 s are kept.
		t.move(t.end, 230);
		expect(t.last()).toEqual({ start: 50, end: 230 });
		// The start moved earlier drags the end back.
		t.move(t.start, 10);
		expect(t.last()).toEqual({ start: 10, end: 190 });
		// Shorter is fine.
		t.move(t.end, 100);
		expect(t.last()).toEqual({ start: 10, end: 100 });
	});

	it("takes the server's length when given, so a file this browser cannot decode can still be trimmed", () => {
		const onChange = vi.fn<(range: Range | null, duration: number) => void>();
		const view = render(<TrimControl src="blob:hevc" maxSeconds={180} knownDuration={240} onChange={onChange} />);
		// No loadedmetadata ever fires: the sliders are there all the same.
		expect(onChange.mock.calls.at(-1)).toEqual([{ start: 0, end: 180 }, 240]);
		expect(view.container.querySelectorAll("input[type=range]")).toHaveLength(2);
	});
});
