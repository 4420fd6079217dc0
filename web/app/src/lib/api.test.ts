// @vitest-environment happy-dom
// A page loaded or reloaded asks for its data while the silent sign-in is still running: those calls
// must wait for it and carry the session, or an author's own private reel reads as "not found".
import { afterEach, describe, expect, it, vi } from "vitest";
import { answer, api, resumeSession, session } from "./api";

afterEach(() => {
	vi.unstubAllGlobals();
	session.value = undefined;
});

const REEL = "00000000-0000-4000-8000-000000000001";

/**
 * A browser that was signed in (the server's hint cookie is there), whose refresh answers with
 * `refresh()`; every request it sends is recorded with its Authorization header.
 */
function signedInBrowser(refresh: () => Promise<Response>) {
	// biome-ignore lint/suspicious/noDocumentCookie: the hint the server sets beside the refresh cookie, as the app reads it.
	document.cookie = "reels_signed_in=1; path=/";
	const asked: { path: string; authorization: string | null }[] = [];
	vi.stubGlobal(
		"fetch",
		vi.fn(async (request: Request) => {
			const path = new URL(request.url).pathname;
			asked.push({ path, authorization: request.headers.get("authorization") });
			if (path === "/api/auth/refresh") return refresh();
			if (path === "/api/users/me") return Response.json({ id: "u1", handle: "me", name: "Me" });
			return Response.json({ id: "r1" });
		}),
	);
	return { asked, reelAuthorization: () => asked.find((a) => a.path.startsWith("/api/reels/"))?.authorization };
}

describe("calls made while the session resumes", () => {
	it("wait for it and carry its token", async () => {
		let refreshed: (res: Response) => void = () => undefined;
		const browser = signedInBrowser(() => new Promise<Response>((done) => (refreshed = done)));
		const resumed = resumeSession();
		// The page's first read, sent before the refresh has answered.
		const reel = answer(api.GET("/api/reels/{id}", { params: { path: { id: REEL } } }));
		await vi.waitFor(() => expect(browser.asked.map((a) => a.path)).toEqual(["/api/auth/refresh"]));
		refreshed(Response.json({ accessToken: "fresh-token" }));
		await resumed;
		await reel;
		// It went with the token as soon as there was one (beside the account's own read, not after it).
		expect(browser.reelAuthorization()).toBe("Bearer fresh-token");
	});

	it("go without it when the refresh hangs: a few seconds, not for ever", async () => {
		vi.useFakeTimers();
		try {
			const browser = signedInBrowser(() => new Promise<Response>(() => undefined));
			void resumeSession();
			const reel = answer(api.GET("/api/reels/{id}", { params: { path: { id: REEL } } }));
			await vi.advanceTimersByTimeAsync(4_900);
			expect(browser.asked.map((a) => a.path)).toEqual(["/api/auth/refresh"]);
			await vi.advanceTimersByTimeAsync(200);
			await reel;
			expect(browser.reelAuthorization()).toBeNull();
		} finally {
			vi.useRealTimers();
		}
	});
});
