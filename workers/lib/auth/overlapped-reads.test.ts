// Overlapped reads (authenticate.ts, OVERLAPPED_READS): the handler runs while the user's gate
// decides, and a refusal replaces whatever it read. These prove the refusals still hold.
import { describe, expect, it } from "vitest";
import { api, registerUser } from "../../test-support/api";
import { postReel } from "../../test-support/reels";
import { setRole } from "../../test-support/roles";
import { OVERLAPPED_READS } from "./authenticate";

const replicaTrips = (res: Response) => Number(/replica=(\d+)/.exec(res.headers.get("x-request-cost") ?? "")?.[1] ?? Number.NaN);
const paths = [...OVERLAPPED_READS].map((p) => `${p}?limit=5`);

describe("overlapped reads", () => {
	it("answer a session ended at logout with 401 and nothing they read", async () => {
		const author = await registerUser("Overlap Author");
		await postReel(author, "something to list");
		const s = await registerUser("Overlap Reader");
		for (const path of paths) expect((await api(path, { token: s.accessToken })).status).toBe(200);

		expect((await api("/api/auth/logout", { method: "POST", token: s.accessToken })).status).toBe(204);
		for (const path of paths) {
			const res = await api(path, { token: s.accessToken });
			expect(res.status, path).toBe(401);
			expect(res.headers.get("www-authenticate")).toContain("invalid_token");
			const body = await res.text();
			expect(body).not.toContain("items");
			expect(body).not.toContain("something to list");
		}
	});

	it("run the handler beside the gate call, and ask the gate first for a session refused lately (this isolate remembers)", async () => {
		const s = await registerUser();
		expect((await api("/api/auth/logout", { method: "POST", token: s.accessToken })).status).toBe(204);
		const first = await api("/api/feed/for-you?limit=5", { token: s.accessToken });
		expect(first.status).toBe(401);
		// The ranking ran while the gate decided (and was thrown away): the overlap happened.
		expect(replicaTrips(first)).toBeGreaterThan(0);
		const again = await api("/api/feed/for-you?limit=5", { token: s.accessToken });
		expect(again.status).toBe(401);
		// A replayed revoked token costs this isolate no more reads.
		expect(replicaTrips(again)).toBe(0);
		// Routes outside the list never run before the verdict.
		const me = await api("/api/users/me", { token: s.accessToken });
		expect(me.status).toBe(401);
		expect(replicaTrips(me)).toBe(0);
	});

	it("answer 401 when the role changed since the token was issued, as the handler acted with the old one", async () => {
		const s = await registerUser();
		await setRole(s.user.id, "admin");
		const res = await api("/api/reels?limit=5", { token: s.accessToken });
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({ detail: expect.stringMatching(/role changed/) });
		// A route that waits for the gate acts with the new role at once.
		expect((await api("/api/users?limit=1", { token: s.accessToken })).status).toBe(200);
	});

	it("take the user's hourly quota: the reads past it are 429, the ones within carry its fields", async () => {
		const s = await registerUser();
		const limits = { QUOTA_USER_PER_HOUR: "2" };
		for (let i = 0; i < 2; i++) {
			const ok = await api("/api/feed/for-you?limit=5", { token: s.accessToken }, limits);
			expect(ok.status).toBe(200);
			expect(ok.headers.get("ratelimit-policy")).toBe('"user-hourly";q=2;w=3600');
			expect(ok.headers.get("ratelimit")).toMatch(/^"user-hourly";r=\d+;t=\d+$/);
		}
		const over = await api("/api/feed/for-you?limit=5", { token: s.accessToken }, limits);
		expect(over.status).toBe(429);
		expect(over.headers.get("retry-after")).toMatch(/^\d+$/);
		expect(await over.text()).not.toContain("items");
	});
});
