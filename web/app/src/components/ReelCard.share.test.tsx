// @vitest-environment happy-dom
// The Share sheet offers the system's share sheet where the browser has one, and tells the API a
// share happened only when the person went through with it.
import { act, cleanup, fireEvent, render, screen } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testReel } from "../lib/test-reel";
import { ReelCard } from "./ReelCard";

afterEach(() => {
	cleanup();
	vi.unstubAllGlobals();
	Reflect.deleteProperty(navigator, "share");
});

const reel = testReel(1, { caption: "a reel to pass on", video: { hls: null, poster: null } });

/** The share requests the card sent (the API is the only thing it fetches here). */
function sharesSent() {
	const sent: unknown[] = [];
	vi.stubGlobal(
		"fetch",
		vi.fn(async (input: Request) => {
			if (input.url.endsWith(`/api/reels/${reel.id}/share`)) sent.push(await input.json());
			return new Response(null, { status: 204 });
		}),
	);
	return sent;
}

async function openShareSheet() {
	render(<ReelCard reel={reel} active={false} preload={false} position={1} />);
	await act(async () => void fireEvent.click(screen.getByRole("button", { name: "Share" })));
}

describe("the Share sheet", () => {
	it("hands the link to the system's share sheet, and tells the API once it was shared", async () => {
		const sent = sharesSent();
		const share = vi.fn(async (_: ShareData) => undefined);
		Object.defineProperty(navigator, "share", { value: share, configurable: true });
		await openShareSheet();
		await act(async () => void fireEvent.click(screen.getByRole("button", { name: "Share to…" })));
		await vi.waitFor(() => expect(sent).toHaveLength(1));
		expect(share).toHaveBeenCalledWith({ title: "a reel to pass on", url: `${location.origin}/reel/${reel.id}` });
		expect(sent[0]).toMatchObject({ channel: "system" });
	});

	it("tells the API nothing when the person dismisses the system's sheet", async () => {
		const sent = sharesSent();
		const share = vi.fn(async (_: ShareData) => Promise.reject(new DOMException("dismissed", "AbortError")));
		Object.defineProperty(navigator, "share", { value: share, configurable: true });
		await openShareSheet();
		await act(async () => void fireEvent.click(screen.getByRole("button", { name: "Share to…" })));
		expect(share).toHaveBeenCalledTimes(1);
		expect(sent).toEqual([]);
		expect(screen.getByRole("button", { name: "Share to…" })).toBeTruthy();
	});

	it("offers no system share where the browser has none", async () => {
		sharesSent();
		await openShareSheet();
		expect(screen.queryByRole("button", { name: "Share to…" })).toBeNull();
		expect(screen.getByRole("button", { name: "Copy link" })).toBeTruthy();
	});
});
