// @vitest-environment happy-dom
// A page loaded or reloaded asks for its data while the silent sign-in is still running: those calls
// must wait for it and carry the session, or an author's own private reel reads as "not found".
import { afterEach, describe, expect, it, vi } from "vitest";
import { answer, api, resumeSession, session } from "./api";

afterEach(() => {
	vi.unstubAllGlobals();
	session.value = undefined;
});

describe("calls made while the session resumes", () => {
	it("wait for it and carry its token", async () => {
		// biome-ignore lint/suspicious/noDocumentCookie: the hint the server sets beside the refresh cookie, as the app reads it.
		document.cookie = "reels_signed_in=1; path=/";
		let refreshed: (res: Response) => void = () => undefined;
		const asked: { path: string; authorization: string | null }[] = [];
		vi.stubGlobal(
			"fetch",
			vi.fn(async (request: Request) => {
				const path = new URL(request.url).pathname;
				asked.push({ path, authorization: request.headers.get("authorization") });
				if (path === "/api/auth/refresh") return new Promise<Response>((done) => (refreshed = done));
				if (path === "/api/users/me") return Response.json({ id: "u1", handle: "me", name: "Me" });
				return Response.json({ id: "r1" });
			}),
		);
		const resumed = resumeSession();
		// The page's first read, sent before the refresh has answered.
		const reel = answer(api.GET("/api/reels/{id}", { params: { path: { id: "00000000-0000-4000-8000-000000000001" } } }));
		await vi.waitFor(() => expect(asked.map((a) => a.path)).toEqual(["/api/auth/refresh"]));
		refreshed(Response.json({ accessToken: "fresh-token" }));
		await resumed;
		await reel;
		// It went with the token as soon as there was one (beside the account's own read, not after it).
		expect(asked.find((a) => a.path.startsWith("/api/reels/"))?.authorization).toBe("Bearer fresh-token");
	});

	it("go without it when the refresh hangs: a few seconds, not for ever", async () => {
		vi.useFakeTimers();
		try {
			// biome-ignore lint/suspicious/noDocumentCookie: the hint the server sets beside the refresh cookie, as the app reads it.
			document.cookie = "reels_signed_in=1; path=/";
			const asked: { path: string; authorization: string | null }[] = [];
			vi.stubGlobal(
				"fetch",
				vi.fn(async (request: Request) => {
					const path = new URL(request.url).pathname;
					asked.push({ path, authorization: request.headers.get("authorization") });
					if (path === "/api/auth/refresh") return new Promise<Response>(() => undefined);
					return Response.json({ id: "r1" });
				}),
			);
			void resumeSession();
			const reel = answer(api.GET("/api/reels/{id}", { params: { path: { id: "00000000-0000-4000-8000-000000000001" } } }));
			await vi.advanceTimersByTimeAsync(4_900);
			expect(asked.map((a) => a.path)).toEqual(["/api/auth/refresh"]);
			await vi.advanceTimersByTimeAsync(200);
			await reel;
			expect(asked.find((a) => a.path.startsWith("/api/reels/"))?.authorization).toBeNull();
		} finally {
			vi.useRealTimers();
		}
	});
});
