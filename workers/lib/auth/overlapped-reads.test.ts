// Overlapped reads (authenticate.ts, OVERLAPPED_READS): the handler runs while the user's gate
// decides, and a refusal replaces whatever it read. These prove the refusals still hold.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { api, registerUser } from "../../test-support/api";
import { postReel } from "../../test-support/reels";
import { setRole } from "../../test-support/roles";
import type { AppEnv } from "../app/app-env";
import { requestStack } from "../app/request-stack";
import { SharedReads } from "../http/shared-reads";
import { renderProblem } from "../problems/render-problem";
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

	it("answer a refusal as if the handler had never run: none of its headers, and nobody named", async () => {
		// The real request stack in front of a handler that sets a header of its own on an overlapped path.
		const app = new Hono<AppEnv>();
		app.use("/api/*", requestStack("header", new SharedReads()));
		app.get("/api/reels", (c) => {
			c.header("x-from-the-handler", "1");
			return c.json({ items: ["what the handler read"], who: c.var.auth?.sub });
		});
		app.onError(renderProblem);
		const get = async (token: string) => {
			const ctx = createExecutionContext();
			const res = await app.fetch(
				new Request("http://x/api/reels", { headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": "10.7.7.7" } }),
				env,
				ctx,
			);
			await waitOnExecutionContext(ctx);
			return res;
		};
		const s = await registerUser();
		const live = await get(s.accessToken);
		expect(live.status).toBe(200);
		expect(live.headers.get("x-from-the-handler")).toBe("1");

		expect((await api("/api/auth/logout", { method: "POST", token: s.accessToken })).status).toBe(204);
		const refused = await get(s.accessToken);
		expect(refused.status).toBe(401);
		expect(refused.headers.get("x-from-the-handler")).toBeNull();
		expect(await refused.text()).not.toContain("what the handler read");
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
