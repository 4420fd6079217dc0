// @vitest-environment happy-dom
import { act, cleanup, render, screen } from "@testing-library/preact";
import { useLayoutEffect } from "preact/hooks";
import { afterEach, describe, expect, it } from "vitest";
import { store, useStore } from "./store";

afterEach(cleanup);

describe("useStore", () => {
	it("shows a change made after its render but before its subscription (the flaky like button, deterministically)", () => {
		const session = store<string | undefined>(undefined);
		const Reader = () => <p>{useStore(session) ?? "loading"}</p>;
		// A sibling's layout effect runs after both rendered and before Reader's effect subscribes: the
		// moment a session resumed while a reel card was mounting.
		const Resumer = () => {
			useLayoutEffect(() => session.set("signed in"), []);
			return null;
		};
		render(
			<>
				<Reader />
				<Resumer />
			</>,
		);
		expect(screen.getByText("signed in")).toBeTruthy();
	});

	it("follows every later change, and stops listening once unmounted", () => {
		const count = store(0);
		const Reader = () => <p>unread {useStore(count)}</p>;
		const { unmount } = render(<Reader />);
		// act(): Preact renders a state change on its next tick; act flushes it.
		act(() => count.set(3));
		expect(screen.getByText("unread 3")).toBeTruthy();
		unmount();
		// No listener left behind: setting after unmount reaches nobody (and throws nothing).
		count.set(4);
		expect(screen.queryByText(/unread/)).toBeNull();
	});
});
