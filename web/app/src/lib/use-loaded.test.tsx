// @vitest-environment happy-dom
import { act, cleanup, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "./problems";
import { useLoaded } from "./use-loaded";

afterEach(cleanup);

function Section({ read }: { read: () => Promise<string[]> }) {
	const { value, error, reload } = useLoaded(read);
	return (
		<div>
			<p>{value === null ? "loading" : value.join(",")}</p>
			{error ? <p role="alert">{error}</p> : null}
			<button type="button" onClick={() => void reload()}>
				again
			</button>
		</div>
	);
}

describe("useLoaded", () => {
	it("reads once on mount, shows it, and reads again on reload", async () => {
		let reads = 0;
		render(<Section read={async () => [`read ${++reads}`]} />);
		expect(screen.getByText("loading")).toBeTruthy();
		await waitFor(() => expect(screen.getByText("read 1")).toBeTruthy());
		await act(() => screen.getByText("again").click());
		await waitFor(() => expect(screen.getByText("read 2")).toBeTruthy());
		expect(reads).toBe(2);
	});

	it("says a problem as a sentence, and a later read that succeeds shows its value without wiping the error", async () => {
		let fail = true;
		render(
			<Section
				read={async () => {
					if (fail) throw new ApiError({ status: 503, code: "unavailable", detail: "Try again in a moment." });
					return ["fine"];
				}}
			/>,
		);
		await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("Try again in a moment."));
		fail = false;
		await act(() => screen.getByText("again").click());
		await waitFor(() => expect(screen.getByText("fine")).toBeTruthy());
		// The error may be an action's (a wrong password) the section shows until its next try.
		expect(screen.getByRole("alert").textContent).toBe("Try again in a moment.");
	});
});
