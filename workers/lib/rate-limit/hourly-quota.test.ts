import { describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, registerUser, uniqueEmail } from "../../test-support/api";

const ip = () => `203.0.113.${Math.floor(Math.random() * 250)}-${crypto.randomUUID().slice(0, 4)}`;

describe("hourly quotas (RateLimiter Durable Object)", () => {
	it("lets an anonymous client make its quota of requests, then answers 429 with Retry-After and RateLimit fields", async () => {
		const client = ip();
		const limits = { QUOTA_ANON_PER_HOUR: "3" };
		const seen = [];
		for (let i = 0; i < 3; i++) {
			const res = await api(`/api/users/${crypto.randomUUID()}`, { headers: { "cf-connecting-ip": client } }, limits);
			seen.push(res.status);
			expect(res.headers.get("ratelimit-policy")).toBe('"anonymous-hourly";q=3;w=3600');
			expect(res.headers.get("ratelimit")).toMatch(new RegExp(`^"anonymous-hourly";r=${2 - i};t=\\d+$`));
		}
		expect(seen).toEqual([404, 404, 404]);
		const refused = await api(`/api/users/${crypto.randomUUID()}`, { headers: { "cf-connecting-ip": client } }, limits);
		expect(refused.status).toBe(429);
		// One request per 3600/3 s: the next one is allowed 1200 s after the first, less what the four requests took.
		const retry = Number(refused.headers.get("retry-after"));
		expect(retry).toBeGreaterThan(1190);
		expect(retry).toBeLessThanOrEqual(1200);
		expect(refused.headers.get("ratelimit")).toBe(`"anonymous-hourly";r=0;t=${retry}`);
		expect(await refused.json()).toMatchObject({ status: 429, code: "quota_exceeded" });
		// Somebody else is not affected.
		expect((await api(`/api/users/${crypto.randomUUID()}`, { headers: { "cf-connecting-ip": ip() } }, limits)).status).toBe(404);
	});

	it("counts a signed-in user's requests per user, not per address", async () => {
		const s = await registerUser();
		const limits = { QUOTA_USER_PER_HOUR: "2" };
		expect((await api("/api/users/me", { token: s.accessToken, headers: { "cf-connecting-ip": ip() } }, limits)).status).toBe(200);
		expect((await api("/api/users/me", { token: s.accessToken, headers: { "cf-connecting-ip": ip() } }, limits)).status).toBe(200);
		const third = await api("/api/users/me", { token: s.accessToken, headers: { "cf-connecting-ip": ip() } }, limits);
		expect(third.status).toBe(429);
		expect(third.headers.get("ratelimit-policy")).toBe('"user-hourly";q=2;w=3600');
	});

	it("is stricter on credential endpoints, to slow credential stuffing", async () => {
		const client = ip();
		const limits = { QUOTA_AUTH_PER_HOUR: "2" };
		const attempt = () =>
			api(
				"/api/auth/login",
				{ method: "POST", json: { email: uniqueEmail(), password: GOOD_PASSWORD }, headers: { "cf-connecting-ip": client } },
				limits,
			);
		expect((await attempt()).status).toBe(401);
		expect((await attempt()).status).toBe(401);
		const third = await attempt();
		expect(third.status).toBe(429);
		// One request per 1800 s: the next is allowed 1800 s after the first, less what the three attempts took.
		const retry = Number(third.headers.get("retry-after"));
		expect(retry).toBeGreaterThan(1790);
		expect(retry).toBeLessThanOrEqual(1800);
		expect(third.headers.get("ratelimit-policy")).toBe('"auth-hourly";q=2;w=3600');
		// The general quota of the same address is untouched.
		expect((await api(`/api/users/${crypto.randomUUID()}`, { headers: { "cf-connecting-ip": client } }, limits)).status).toBe(404);
	});
});
