// @vitest-environment happy-dom
import { cleanup, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import { lazyPage } from "./lazy-page";

afterEach(cleanup);

const Page = ({ name }: { name: string }) => <h1>Hello {name}</h1>;

describe("lazyPage", () => {
	it("shows Loading until the page's module is in, then the page with its props; loads it once", async () => {
		let loads = 0;
		let arrive: (p: typeof Page) => void = () => undefined;
		const Lazy = lazyPage(() => {
			loads++;
			return new Promise<typeof Page>((r) => {
				arrive = r;
			});
		});
		render(<Lazy name="Ada" />);
		expect(screen.getByRole("status")).toBeTruthy();
		arrive(Page);
		await waitFor(() => expect(screen.getByRole("heading", { name: "Hello Ada" })).toBeTruthy());
		cleanup();
		render(<Lazy name="Bo" />);
		// Loaded already: the page at once, no second load.
		expect(screen.getByRole("heading", { name: "Hello Bo" })).toBeTruthy();
		expect(loads).toBe(1);
	});

	it("says the page could not be loaded, and asks again the next time it is opened", async () => {
		let attempts = 0;
		const Lazy = lazyPage(() => (++attempts === 1 ? Promise.reject(new Error("chunk gone")) : Promise.resolve(Page)));
		render(<Lazy name="Ada" />);
		await waitFor(() => expect(screen.getByText(/could not be loaded/)).toBeTruthy());
		cleanup();
		render(<Lazy name="Ada" />);
		await waitFor(() => expect(screen.getByRole("heading", { name: "Hello Ada" })).toBeTruthy());
		expect(attempts).toBe(2);
	});
});
