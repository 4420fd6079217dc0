import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../../lib/postgres/routed-database";
import { users } from "../../lib/postgres/schema";
import { api, GOOD_PASSWORD, registerUser, type Session, uniqueEmail } from "../../test-support/api";
import { seenAll } from "../../test-support/reels";
import { pauseReplica, waitForReplay } from "../../test-support/replica";
import { setRole } from "../../test-support/roles";

async function countUsersWithEmail(email: string): Promise<number> {
	const [row] = await withDatabase(env, (db) =>
		db.write((q) => q.select({ n: sql<number>`count(*)::int` }).from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`)),
	);
	return row?.n ?? 0;
}

describe("password guessing", () => {
	it("throttles one account's wrong passwords from any number of addresses, before hashing, and leaves other accounts alone", async () => {
		const victim = await registerUser("Victim");
		const other = await registerUser("Other");
		const vars = { LOGIN_FAILURES_PER_ACCOUNT: "3" };
		const ip = () => `198.51.100.${Math.floor(Math.random() * 250)}-${crypto.randomUUID().slice(0, 6)}`;
		const login = (email: string, password: string) =>
			api("/api/auth/login", { method: "POST", json: { email, password }, headers: { "cf-connecting-ip": ip() } }, vars);
		for (let i = 0; i < 3; i++) expect((await login(victim.email, `wrong password ${i}`)).status).toBe(401);
		const throttled = await login(victim.email, "wrong password 3");
		expect(throttled.status).toBe(429);
		expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
		expect(await throttled.json()).toMatchObject({ code: "too_many_failed_logins" });
		// While throttled even the right password waits: a guess that happens to be right tells nothing.
		expect((await login(victim.email, GOOD_PASSWORD)).status).toBe(429);
		expect((await login(other.email, GOOD_PASSWORD)).status).toBe(200);
		// Unknown accounts are throttled alike, so the answers never reveal which emails exist.
		const nobody = uniqueEmail("nobody");
		for (let i = 0; i < 3; i++) expect((await login(nobody, "wrong password x")).status).toBe(401);
		expect((await login(nobody, "wrong password x")).status).toBe(429);
	});

	it("reserves each try before hashing, so parallel guesses get exactly the configured number checked", async () => {
		const victim = await registerUser("Victim");
		const vars = { LOGIN_FAILURES_PER_ACCOUNT: "3" };
		const guess = (i: number) =>
			api(
				"/api/auth/login",
				{ method: "POST", json: { email: victim.email, password: `wrong ${i}` }, headers: { "cf-connecting-ip": `203.0.113.${i}` } },
				vars,
			);
		const statuses = (await Promise.all(Array.from({ length: 20 }, (_, i) => guess(i)))).map((r) => r.status);
		expect(statuses.filter((s) => s === 401)).toHaveLength(3);
		expect(statuses.filter((s) => s === 429)).toHaveLength(17);
	});

	it("gives a right password's try back: signing in never uses up the account's tries", async () => {
		const user = await registerUser("Regular");
		const vars = { LOGIN_FAILURES_PER_ACCOUNT: "2" };
		const login = (password: string) => api("/api/auth/login", { method: "POST", json: { email: user.email, password } }, vars);
		for (let i = 0; i < 4; i++) expect((await login(GOOD_PASSWORD)).status).toBe(200);
		expect((await login("wrong once")).status).toBe(401);
		expect((await login(GOOD_PASSWORD)).status).toBe(200);
	});
});

describe("admin bootstrap", () => {
	it("never makes an admin by registering, first or with any address: an unverified email proves nothing", async () => {
		const first = await (
			await api("/api/auth/register", { method: "POST", json: { email: uniqueEmail("first"), password: GOOD_PASSWORD, name: "X" } })
		).json();
		expect(first).toMatchObject({ user: { role: "user" } });
		const claimed = await (
			await api("/api/auth/register", { method: "POST", json: { email: uniqueEmail("admin"), password: GOOD_PASSWORD, name: "X" } }, {
				ADMIN_EMAILS: "admin@example.test",
			} as Partial<Env>)
		).json();
		expect(claimed).toMatchObject({ user: { role: "user" } });
	});
});

describe("x-db-read", () => {
	it("tells development and tests which server answered, and production clients nothing", async () => {
		const id = crypto.randomUUID();
		expect((await api(`/api/users/${id}`)).headers.get("x-db-read")).toBe("replica");
		expect((await api(`/api/users/${id}`, {}, { ENVIRONMENT: "production" })).headers.get("x-db-read")).toBeNull();
	});
});

describe("register and login", () => {
	it("registers, answers 201 with the user and a token pair, and never returns the password hash", async () => {
		const email = uniqueEmail();
		const res = await api("/api/auth/register", { method: "POST", json: { email, password: GOOD_PASSWORD, name: "Ada" } });
		expect(res.status).toBe(201);
		const body = (await res.json()) as Session & Record<string, unknown>;
		expect(body).toMatchObject({ tokenType: "Bearer", expiresIn: 900, user: { email, name: "Ada", bio: "", avatarAssetId: null } });
		expect(body.accessToken.split(".")).toHaveLength(3);
		expect(body.refreshToken.length).toBeGreaterThanOrEqual(40);
		expect(JSON.stringify(body)).not.toMatch(/pbkdf2|password/i);
		expect(res.headers.get("x-consistency-token")).toMatch(/\//);
	});

	it("signs in with the right password, case-insensitively on the email", async () => {
		const { email } = await registerUser();
		const res = await api("/api/auth/login", { method: "POST", json: { email: email.toUpperCase(), password: GOOD_PASSWORD } });
		expect(res.status).toBe(200);
		const me = await api("/api/users/me", { token: ((await res.json()) as Session).accessToken });
		expect(me.status).toBe(200);
		expect(await me.json()).toMatchObject({ email });
	});

	it("answers an unknown email exactly like a wrong password", async () => {
		const { email } = await registerUser();
		const wrong = await api("/api/auth/login", { method: "POST", json: { email, password: "wrong password 1" } });
		const unknown = await api("/api/auth/login", { method: "POST", json: { email: uniqueEmail("nobody"), password: "wrong password 1" } });
		expect(wrong.status).toBe(401);
		expect(unknown.status).toBe(401);
		const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
		expect(strip(await wrong.json())).toEqual(strip(await unknown.json()));
	});

	it("refuses a second account with the same email (any case) with 409 and writes nothing", async () => {
		const { email } = await registerUser();
		const res = await api("/api/auth/register", {
			method: "POST",
			json: { email: email.toUpperCase(), password: GOOD_PASSWORD, name: "Twin" },
		});
		expect(res.status).toBe(409);
		expect(await res.json()).toMatchObject({ code: "email_taken" });
		expect(await countUsersWithEmail(email)).toBe(1);
	});
});

describe("refresh rotation", () => {
	it("trades a refresh token for a new pair, once", async () => {
		const s = await registerUser();
		const res = await api("/api/auth/refresh", { method: "POST", json: { refreshToken: s.refreshToken } });
		expect(res.status).toBe(200);
		const next = (await res.json()) as Session;
		expect(next.refreshToken).not.toBe(s.refreshToken);
		expect((await api("/api/users/me", { token: next.accessToken })).status).toBe(200);
	});

	it("refuses a reused refresh token and revokes its whole family", async () => {
		const s = await registerUser();
		const first = (await (await api("/api/auth/refresh", { method: "POST", json: { refreshToken: s.refreshToken } })).json()) as Session;

		const reuse = await api("/api/auth/refresh", { method: "POST", json: { refreshToken: s.refreshToken } });
		expect(reuse.status).toBe(401);
		expect(await reuse.json()).toMatchObject({ code: "refresh_token_reused" });

		// The legitimate newest token of the family is dead too, and so are its access tokens.
		const after = await api("/api/auth/refresh", { method: "POST", json: { refreshToken: first.refreshToken } });
		expect(after.status).toBe(401);
		expect(await after.json()).toMatchObject({ code: "session_revoked" });
		const token = reuse.headers.get("x-consistency-token") ?? "";
		const me = await api("/api/users/me", { token: first.accessToken, headers: { "x-consistency-token": token } });
		expect(me.status).toBe(401);
		// Other sessions of the same user are not affected.
		const other = await api("/api/auth/login", { method: "POST", json: { email: s.email, password: GOOD_PASSWORD } });
		expect(other.status).toBe(200);
	});

	it("refuses a refresh token it never issued", async () => {
		const res = await api("/api/auth/refresh", { method: "POST", json: { refreshToken: "x".repeat(43) } });
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({ code: "invalid_refresh_token" });
	});
});

describe("the refresh token in an httpOnly cookie (the web app's way)", () => {
	it("is set at sign-in scoped to /api/auth, refreshes without a body token, rotates, and is cleared at logout", async () => {
		const email = uniqueEmail();
		const reg = await api("/api/auth/register", { method: "POST", json: { email, password: GOOD_PASSWORD, name: "Web" } });
		const cookie = reg.headers.getSetCookie().find((c) => c.startsWith("reels_rt=")) ?? "";
		expect(cookie).toMatch(/^reels_rt=[^;]+; Max-Age=2592000; Path=\/api\/auth; HttpOnly; Secure; SameSite=Strict$/);
		// Beside it, a script-readable hint without any secret: the web app asks to refresh only when it is there.
		expect(reg.headers.getSetCookie().find((c) => c.startsWith("reels_signed_in="))).toMatch(
			/^reels_signed_in=1; Max-Age=2592000; Path=\/; Secure; SameSite=Lax$/,
		);
		const first = cookie.split(";")[0] as string;
		const refreshed = await api("/api/auth/refresh", { method: "POST", json: {}, headers: { cookie: first } });
		expect(refreshed.status).toBe(200);
		const pair = (await refreshed.json()) as { accessToken: string; refreshToken: string };
		const second = (refreshed.headers.getSetCookie().find((c) => c.startsWith("reels_rt=")) ?? "").split(";")[0] as string;
		expect(second).toBe(`reels_rt=${pair.refreshToken}`);
		// The cookie's token worked once: presenting it again is reuse, which ends the session.
		expect((await api("/api/auth/refresh", { method: "POST", json: {}, headers: { cookie: first } })).status).toBe(401);
		expect((await api("/api/auth/refresh", { method: "POST", json: {} })).status).toBe(401);
		const fresh = await api("/api/auth/login", { method: "POST", json: { email, password: GOOD_PASSWORD } });
		const { accessToken } = (await fresh.json()) as { accessToken: string };
		const out = await api("/api/auth/logout", { method: "POST", token: accessToken });
		expect(out.headers.getSetCookie()).toEqual(
			expect.arrayContaining([
				expect.stringMatching(/^reels_rt=; Max-Age=0; Path=\/api\/auth; Secure/),
				expect.stringMatching(/^reels_signed_in=; Max-Age=0; Path=\/; Secure/),
			]),
		);
	});
});

describe("logout", () => {
	it("refuses the access token at once, before it expires, and revokes the refresh family", async () => {
		const s = await registerUser();
		const out = await api("/api/auth/logout", { method: "POST", token: s.accessToken });
		expect(out.status).toBe(204);
		const consistency = out.headers.get("x-consistency-token") ?? "";
		const me = await api("/api/users/me", { token: s.accessToken, headers: { "x-consistency-token": consistency } });
		expect(me.status).toBe(401);
		expect(me.headers.get("www-authenticate")).toContain("invalid_token");
		const refresh = await api("/api/auth/refresh", { method: "POST", json: { refreshToken: s.refreshToken } });
		expect(refresh.status).toBe(401);
		expect(await refresh.json()).toMatchObject({ code: "session_revoked" });
	});

	it("takes effect at once even while the replica lags (the session is checked on the primary)", async () => {
		const s = await registerUser();
		await waitForReplay((await seenAll())["x-consistency-token"] ?? "0/0");
		const resume = await pauseReplica();
		try {
			expect((await api("/api/auth/logout", { method: "POST", token: s.accessToken })).status).toBe(204);
			// No consistency token: a client replaying a stolen access token would not send one.
			const me = await api("/api/users/me", { token: s.accessToken });
			expect(me.status).toBe(401);
		} finally {
			await resume();
		}
	});

	it("needs a signed-in caller", async () => {
		const res = await api("/api/auth/logout", { method: "POST" });
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({ code: "authentication_required" });
	});
});

describe("bad input on register: a clear 4xx problem and nothing written", () => {
	const register = (body: unknown, init: RequestInit = {}) =>
		api("/api/auth/register", {
			method: "POST",
			...(typeof body === "string" ? { body, headers: { "content-type": "application/json" } } : { json: body }),
			...init,
		});

	it("malformed JSON → 400 malformed_request", async () => {
		const res = await register('{"email": "a@b.c", ');
		expect(res.status).toBe(400);
		expect(res.headers.get("content-type")).toBe("application/problem+json");
		expect(await res.json()).toMatchObject({ code: "malformed_request" });
	});

	it("missing and extra fields → 400 listing each", async () => {
		const res = await register({ email: uniqueEmail(), password: GOOD_PASSWORD, role: "admin" });
		expect(res.status).toBe(400);
		const body = (await res.json()) as { code: string; errors: { path: string; message: string }[] };
		expect(body.code).toBe("validation_failed");
		const paths = body.errors.map((e) => e.path);
		expect(paths).toContain("name");
		expect(body.errors.some((e) => /role|unrecognized/i.test(e.message))).toBe(true);
	});

	it("invalid email → 400", async () => {
		const res = await register({ email: "not-an-email", password: GOOD_PASSWORD, name: "X" });
		expect(res.status).toBe(400);
		expect(((await res.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe("email");
	});

	it("weak password → 400 stating the rule", async () => {
		for (const password of ["short1", "onlyletterslong", "1234567890123"]) {
			const email = uniqueEmail();
			const res = await register({ email, password, name: "X" });
			expect(res.status, password).toBe(400);
			expect(JSON.stringify(await res.json())).toContain("10 to 128 characters, with at least one letter and at least one digit or symbol");
			expect(await countUsersWithEmail(email)).toBe(0);
		}
	});

	it("oversized fields and bodies → 400 / 413", async () => {
		expect((await register({ email: uniqueEmail(), password: GOOD_PASSWORD, name: "n".repeat(81) })).status).toBe(400);
		expect((await register({ email: uniqueEmail(), password: `${"p".repeat(129)}1`, name: "X" })).status).toBe(400);
		const huge = await register({ email: uniqueEmail(), password: GOOD_PASSWORD, name: "X", pad: "z".repeat(20_000) });
		expect(huge.status).toBe(413);
		expect(await huge.json()).toMatchObject({ code: "body_too_large" });
	});

	it("a body that is not JSON → 415", async () => {
		const res = await api("/api/auth/register", {
			method: "POST",
			body: "email=a@b.c",
			headers: { "content-type": "application/x-www-form-urlencoded" },
		});
		expect(res.status).toBe(415);
		expect(await res.json()).toMatchObject({ code: "unsupported_media_type" });
	});

	it("SQL-looking strings are data, never SQL", async () => {
		const name = "Robert'); DROP TABLE users;--";
		const email = uniqueEmail("o'reilly");
		const res = await register({ email, password: "' OR '1'='1 -- 9", name });
		expect(res.status).toBe(201);
		expect(((await res.json()) as Session & { user: { name: string } }).user.name).toBe(name);
		const login = await api("/api/auth/login", { method: "POST", json: { email: "' OR 1=1 --@x.io", password: "' OR '1'='1" } });
		expect([400, 401]).toContain(login.status);
		expect(await countUsersWithEmail(email)).toBe(1);
	});
});

describe("roles", () => {
	it("keeps /api/users for admins: 401 anonymous, 403 user, 200 admin", async () => {
		expect((await api("/api/users")).status).toBe(401);
		const s = await registerUser();
		const asUser = await api("/api/users", { token: s.accessToken });
		expect(asUser.status).toBe(403);
		expect(await asUser.json()).toMatchObject({ code: "forbidden" });
		const lsn = await setRole(s.user.id, "admin");
		const asAdmin = await api("/api/users?limit=2", { token: s.accessToken, headers: { "x-consistency-token": lsn } });
		expect(asAdmin.status).toBe(200);
		const page = (await asAdmin.json()) as { items: { id: string }[]; nextCursor: string | null };
		expect(page.items).toHaveLength(2);
		expect(page.nextCursor).toEqual(expect.any(String));
		const next = await api(`/api/users?limit=2&cursor=${page.nextCursor}`, {
			token: s.accessToken,
			headers: { "x-consistency-token": lsn },
		});
		const second = (await next.json()) as { items: { id: string }[] };
		expect(second.items.map((u) => u.id)).not.toContain(page.items[0]?.id);
	});

	it("applies a role change at once, whatever the token says", async () => {
		const s = await registerUser();
		const up = await setRole(s.user.id, "admin");
		expect((await api("/api/users", { token: s.accessToken, headers: { "x-consistency-token": up } })).status).toBe(200);
		const down = await setRole(s.user.id, "user");
		expect((await api("/api/users", { token: s.accessToken, headers: { "x-consistency-token": down } })).status).toBe(403);
	});

	it("answers a forged cursor or an out-of-range limit with 400", async () => {
		const s = await registerUser();
		const lsn = await setRole(s.user.id, "admin");
		const headers = { "x-consistency-token": lsn };
		const forged = btoa(JSON.stringify({ t: "2026-01-01T00:00:00Z'; --", i: "x" }));
		const bad = await api(`/api/users?cursor=${forged}`, { token: s.accessToken, headers });
		expect(bad.status).toBe(400);
		expect(await bad.json()).toMatchObject({ code: "invalid_cursor" });
		expect((await api("/api/users?limit=0", { token: s.accessToken, headers })).status).toBe(400);
		expect((await api("/api/users?limit=101", { token: s.accessToken, headers })).status).toBe(400);
	});
});

describe("the Authorization header", () => {
	it("accepts the bearer scheme in any case", async () => {
		const me = await registerUser("Case");
		const res = await api("/api/users/me", { headers: { authorization: `bearer ${me.accessToken}` } });
		expect(res.status).toBe(200);
	});
});
