// @vitest-environment happy-dom
// The app's shared state is Preact signals (the session, the unread count, the route…): a component
// that reads one in render follows it. These prove the two behaviours the app relies on.
import { signal } from "@preact/signals";
import { act, cleanup, render, screen } from "@testing-library/preact";
import { useLayoutEffect } from "preact/hooks";
import { afterEach, describe, expect, it } from "vitest";

afterEach(cleanup);

describe("signals in components", () => {
	it("shows a change made after a reader's render and before its effects (the flaky like button, deterministically)", () => {
		const session = signal<string | undefined>(undefined);
		const Reader = () => <p>{session.value ?? "loading"}</p>;
		// A sibling's layout effect runs after both rendered and before Reader's effects: the moment a
		// session resumed while a reel card was mounting. A hand-made store once missed it.
		const Resumer = () => {
			useLayoutEffect(() => {
				session.value = "signed in";
			}, []);
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

	it("follows every later change, and stops once unmounted", () => {
		const count = signal(0);
		let renders = 0;
		const Reader = () => {
			renders++;
			return <p>unread {count.value}</p>;
		};
		const { unmount } = render(<Reader />);
		act(() => {
			count.value = 3;
		});
		expect(screen.getByText("unread 3")).toBeTruthy();
		unmount();
		const before = renders;
		count.value = 4;
		expect(renders).toBe(before);
		expect(screen.queryByText(/unread/)).toBeNull();
	});
});
