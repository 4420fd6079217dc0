// Changing a password: the current one first (throttled as sign-ins are), then every other session
// ends at once while this one goes on with a fresh access token.
import { describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, registerUser, type Session } from "../../test-support/api";
import { json } from "../../test-support/reels";

const NEW_PASSWORD = "a brand new 7";

const login = (email: string, password: string, vars = {}) => api("/api/auth/login", { method: "POST", json: { email, password } }, vars);
const change = (token: string, currentPassword: string, newPassword: string, vars = {}) =>
	api("/api/auth/password", { method: "POST", token, json: { currentPassword, newPassword } }, vars);

describe("POST /api/auth/password", () => {
	it("changes it, ends every other session at once, and keeps this one going with a fresh token", async () => {
		const me = await registerUser("Changer");
		const other = await json<Session>(await login(me.email, GOOD_PASSWORD));
		expect((await api("/api/users/me", { token: other.accessToken })).status).toBe(200);

		const res = await change(me.accessToken, GOOD_PASSWORD, NEW_PASSWORD);
		expect(res.status).toBe(200);
		const changed = await json<{ accessToken: string; endedSessions: number }>(res);
		expect(changed.endedSessions).toBe(1);

		// The other session: its access token refused now, its refresh token dead.
		expect((await api("/api/users/me", { token: other.accessToken })).status).toBe(401);
		const refreshed = await api("/api/auth/refresh", { method: "POST", json: { refreshToken: other.refreshToken } });
		expect(refreshed.status).toBe(401);
		// This session: the fresh token works; the old one is stale, and a refresh brings a current one.
		expect((await api("/api/users/me", { token: changed.accessToken })).status).toBe(200);
		expect((await api("/api/users/me", { token: me.accessToken })).status).toBe(401);
		expect((await api("/api/auth/refresh", { method: "POST", json: { refreshToken: me.refreshToken } })).status).toBe(200);
		// The password itself.
		expect((await login(me.email, GOOD_PASSWORD)).status).toBe(401);
		expect((await login(me.email, NEW_PASSWORD)).status).toBe(200);
	});

	it("refuses a wrong current password and changes nothing", async () => {
		const me = await registerUser("Guesser");
		const other = await json<Session>(await login(me.email, GOOD_PASSWORD));
		const res = await change(me.accessToken, "not the password 1", NEW_PASSWORD);
		expect(res.status).toBe(403);
		expect((await json<{ code: string }>(res)).code).toBe("wrong_password");
		expect((await api("/api/users/me", { token: other.accessToken })).status).toBe(200);
		expect((await login(me.email, GOOD_PASSWORD)).status).toBe(200);
	});

	it("counts wrong current passwords against the sign-in throttle: a stolen token cannot guess it", async () => {
		const me = await registerUser("Throttled");
		const vars = { LOGIN_FAILURES_PER_ACCOUNT: "2" };
		for (let i = 0; i < 2; i++) expect((await change(me.accessToken, `wrong guess ${i}x`, NEW_PASSWORD, vars)).status).toBe(403);
		expect((await change(me.accessToken, "wrong guess 3x", NEW_PASSWORD, vars)).status).toBe(429);
		// The right password is held back too while the throttle lasts: guesses and the answer look alike.
		expect((await change(me.accessToken, GOOD_PASSWORD, NEW_PASSWORD, vars)).status).toBe(429);
	});

	it("validates the new password, and an API key may not change it", async () => {
		const me = await registerUser("Validator");
		for (const next of ["short1", "onlyletterslong", GOOD_PASSWORD]) {
			expect((await change(me.accessToken, GOOD_PASSWORD, next)).status, next).toBe(400);
		}
		const created = await api("/api/keys", {
			method: "POST",
			token: me.accessToken,
			json: { password: GOOD_PASSWORD, name: "k", scopes: ["reels:write"] },
		});
		const key = (await json<{ key: string }>(created)).key;
		const res = await change(key, GOOD_PASSWORD, NEW_PASSWORD);
		expect(res.status).toBe(403);
		expect((await json<{ code: string }>(res)).code).toBe("insufficient_scope");
		expect((await login(me.email, GOOD_PASSWORD)).status).toBe(200);
	});

	it("answers 401 without a session", async () => {
		const res = await api("/api/auth/password", { method: "POST", json: { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD } });
		expect(res.status).toBe(401);
	});
});
