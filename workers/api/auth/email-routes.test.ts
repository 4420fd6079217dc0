// The account's mailed links, read from the real mail the Worker sent: the queue's consumer
// composed it and sent it by SMTP to the test setup's catcher, and each test follows its link.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../../lib/postgres/routed-database";
import { emailTokens } from "../../lib/postgres/schema";
import { api, GOOD_PASSWORD, registerUser, type Session, uniqueEmail } from "../../test-support/api";
import { linkToken, mailTo, waitForMail } from "../../test-support/mail";
import { json } from "../../test-support/reels";

const NEW_PASSWORD = "a brand new 7";
const CONFIRM = /^Confirm your email/;

const verify = (token: string, vars = {}) => api("/api/auth/verify", { method: "POST", json: { token } }, vars);
/** The account as its owner reads it, after the write that `after` answered (its consistency token: read-your-writes). */
const me = async (token: string, after?: Response) =>
	json<{ email: string; emailVerified: boolean; role: string }>(
		await api("/api/users/me", { token, headers: after ? { "x-consistency-token": after.headers.get("x-consistency-token") ?? "" } : {} }),
	);
const login = (email: string, password: string) => api("/api/auth/login", { method: "POST", json: { email, password } });

describe("verifying the address", () => {
	it("mails a link at registration whose token verifies the account, once", async () => {
		const u = await registerUser("Verifier");
		expect((await me(u.accessToken)).emailVerified).toBe(false);
		const [mail] = await waitForMail(u.email, CONFIRM);
		if (!mail) throw new Error("no mail");
		expect(mail.from).toBe(env.MAIL_FROM_ADDRESS);
		expect(mail.html).toContain("Confirm my email");
		expect(mail.text).toContain("Welcome, Verifier!");
		// Required mail: no unsubscribe header.
		expect(mail.headers["list-unsubscribe"]).toBeUndefined();
		const token = linkToken(mail, "verify-email");

		const res = await verify(token);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ email: u.email, emailVerified: true });
		expect((await me(u.accessToken, res)).emailVerified).toBe(true);
		// Once only.
		const again = await verify(token);
		expect(again.status).toBe(410);
		expect(((await again.json()) as { code: string }).code).toBe("link_used");
	});

	it("refuses a token nobody was mailed", async () => {
		const res = await verify("x".repeat(43));
		expect(res.status).toBe(400);
		expect(((await res.json()) as { code: string }).code).toBe("link_invalid");
	});

	it("resends at most three links an hour and not at all once verified", async () => {
		const u = await registerUser("Resender");
		await waitForMail(u.email, CONFIRM);
		const resend = () => api("/api/auth/verify/resend", { method: "POST", token: u.accessToken });
		expect((await resend()).status).toBe(202);
		expect((await resend()).status).toBe(202);
		const mails = await waitForMail(u.email, CONFIRM, 3);
		const limited = await resend();
		expect(limited.status).toBe(429);
		expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
		// Every link mailed works (each its own token); the first one followed verifies.
		expect((await verify(linkToken(mails[2] as (typeof mails)[number], "verify-email"))).status).toBe(200);
		const done = await api("/api/auth/verify/resend", { method: "POST", token: u.accessToken });
		expect(done.status).toBe(409);
	});

	it("makes a listed address admin only through a reset of its password, not by registering or verifying", async () => {
		const email = uniqueEmail("boss");
		const listed = { ADMIN_EMAILS: `someone@else.test, ${email.toUpperCase()}` } as Partial<Env>;
		// Whoever registers a listed address chose the password; a verification link opened (by its
		// owner, or a mail scanner) proves the mailbox, not who holds the password.
		const res = await api("/api/auth/register", { method: "POST", json: { email, password: GOOD_PASSWORD, name: "Boss" } }, listed);
		const s = await json<Session>(res);
		expect(s.user.role).toBe("user");
		const [mail] = await waitForMail(email, CONFIRM);
		const verified = await verify(linkToken(mail as NonNullable<typeof mail>, "verify-email"), listed);
		expect(verified.status).toBe(200);
		expect((await me(s.accessToken, verified)).role).toBe("user");
		// The mailbox's holder resets the password: every other way in ends, and the account is admin.
		await api("/api/auth/password-reset", { method: "POST", json: { email } });
		const [reset] = await waitForMail(email, /Reset your reels-edge password/);
		const done = await api(
			"/api/auth/password-reset/confirm",
			{ method: "POST", json: { token: linkToken(reset as NonNullable<typeof reset>, "reset-password"), password: NEW_PASSWORD } },
			listed,
		);
		expect(done.status).toBe(200);
		expect((await api("/api/users/me", { token: s.accessToken })).status).toBe(401);
		const boss = await json<Session>(await login(email, NEW_PASSWORD));
		expect(boss.user.role).toBe("admin");
		expect((await api("/api/users?limit=1", { token: boss.accessToken })).status).toBe(200);
	});
});

describe("changing the email", () => {
	const change = (token: string, password: string, newEmail: string) =>
		api("/api/auth/email", { method: "POST", token, json: { password, newEmail } });

	it("mails a link to the new address and a notice to the old, and moves the account only when followed", async () => {
		const u = await registerUser("Mover");
		const next = uniqueEmail("moved");
		expect((await change(u.accessToken, GOOD_PASSWORD, next)).status).toBe(202);
		const [notice] = await waitForMail(u.email, /about to change/);
		expect(notice?.text).toContain(next);
		const [link] = await waitForMail(next, /Confirm your new email/);
		// Nothing moved yet.
		expect((await me(u.accessToken)).email).toBe(u.email);

		const moved = await verify(linkToken(link as NonNullable<typeof link>, "verify-email"));
		expect(moved.status).toBe(200);
		const now = await me(u.accessToken, moved);
		expect(now).toMatchObject({ email: next, emailVerified: true });
		expect((await login(next, GOOD_PASSWORD)).status).toBe(200);
		expect((await login(u.email, GOOD_PASSWORD)).status).toBe(401);
	});

	it("is cancelled by a password reset: a thief's pending move dies with the reset", async () => {
		const owner = await registerUser("Robbed");
		const thief = uniqueEmail("thief");
		expect((await change(owner.accessToken, GOOD_PASSWORD, thief)).status).toBe(202);
		const [move] = await waitForMail(thief, /Confirm your new email/);
		await api("/api/auth/password-reset", { method: "POST", json: { email: owner.email } });
		const [reset] = await waitForMail(owner.email, /Reset your reels-edge password/);
		const confirmReset = await api("/api/auth/password-reset/confirm", {
			method: "POST",
			json: { token: linkToken(reset as NonNullable<typeof reset>, "reset-password"), password: NEW_PASSWORD },
		});
		expect(confirmReset.status).toBe(200);
		const late = await verify(linkToken(move as NonNullable<typeof move>, "verify-email"));
		expect(late.status).toBe(410);
		expect((await login(owner.email, NEW_PASSWORD)).status).toBe(200);
	});

	it("mails at most three new addresses an hour", async () => {
		const u = await registerUser("Spammer");
		for (let i = 0; i < 3; i++) expect((await change(u.accessToken, GOOD_PASSWORD, uniqueEmail("victim"))).status).toBe(202);
		const fourth = await change(u.accessToken, GOOD_PASSWORD, uniqueEmail("victim"));
		expect(fourth.status).toBe(429);
	});

	it("needs the password, a different address and a free one", async () => {
		const u = await registerUser("Careful");
		const other = await registerUser("Other");
		const wrong = await change(u.accessToken, "not it at all 1", uniqueEmail());
		expect(wrong.status).toBe(403);
		const same = await change(u.accessToken, GOOD_PASSWORD, u.email);
		expect(((await same.json()) as { code: string }).code).toBe("email_unchanged");
		const taken = await change(u.accessToken, GOOD_PASSWORD, other.email);
		expect(taken.status).toBe(409);
	});
});

describe("resetting a forgotten password", () => {
	const ask = (email: string) => api("/api/auth/password-reset", { method: "POST", json: { email } });
	const confirm = (token: string, password: string) =>
		api("/api/auth/password-reset/confirm", { method: "POST", json: { token, password } });

	it("answers the same for an address with an account and one without, and mails only the first", async () => {
		const u = await registerUser("Forgetful");
		const nobody = uniqueEmail("nobody");
		const a = await ask(nobody);
		const b = await ask(u.email);
		expect(a.status).toBe(202);
		expect(b.status).toBe(202);
		expect(await a.text()).toBe(await b.text());
		await waitForMail(u.email, /Reset your reels-edge password/);
		expect(await mailTo(nobody)).toEqual([]);
	});

	it("sets the password with the link once, ends every session, verifies the address and mails a notice", async () => {
		const u = await registerUser("Locked Out");
		const other = await json<Session>(await login(u.email, GOOD_PASSWORD));
		expect((await ask(u.email)).status).toBe(202);
		const [mail] = await waitForMail(u.email, /Reset your reels-edge password/);
		const token = linkToken(mail as NonNullable<typeof mail>, "reset-password");

		const res = await confirm(token, NEW_PASSWORD);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ endedSessions: 2 });
		// Every session: access tokens refused now, refresh tokens dead.
		for (const s of [u, other]) {
			expect((await api("/api/users/me", { token: s.accessToken })).status).toBe(401);
			expect((await api("/api/auth/refresh", { method: "POST", json: { refreshToken: s.refreshToken } })).status).toBe(401);
		}
		expect((await login(u.email, GOOD_PASSWORD)).status).toBe(401);
		const fresh = await json<Session>(await login(u.email, NEW_PASSWORD));
		expect((await me(fresh.accessToken)).emailVerified).toBe(true);
		await waitForMail(u.email, /password was reset/);

		const again = await confirm(token, "yet another one 5");
		expect(again.status).toBe(410);
		expect(((await again.json()) as { code: string }).code).toBe("link_used");
		expect((await login(u.email, NEW_PASSWORD)).status).toBe(200);
	});

	it("refuses a link past its hour and changes nothing", async () => {
		const u = await registerUser("Too Late");
		await ask(u.email);
		const [mail] = await waitForMail(u.email, /Reset your reels-edge password/);
		await withDatabase(env, (db) =>
			db.write((q) =>
				q
					.update(emailTokens)
					.set({ expiresAt: new Date(Date.now() - 1000) })
					.where(eq(emailTokens.userId, u.user.id)),
			),
		);
		const res = await confirm(linkToken(mail as NonNullable<typeof mail>, "reset-password"), NEW_PASSWORD);
		expect(res.status).toBe(410);
		expect(((await res.json()) as { code: string }).code).toBe("link_expired");
		expect((await login(u.email, GOOD_PASSWORD)).status).toBe(200);
		expect((await api("/api/users/me", { token: u.accessToken })).status).toBe(200);
	});

	it("drops the API keys of whoever registered the address when a reset first proves it", async () => {
		const squatter = await registerUser("Squatter");
		const made = await json<{ key: string }>(
			await api("/api/keys", {
				method: "POST",
				token: squatter.accessToken,
				json: { password: GOOD_PASSWORD, name: "k", scopes: ["reels:read"] },
			}),
		);
		expect((await api("/api/reels", { token: made.key })).status).toBe(200);
		// The address's real owner resets the password from the mail: the squatter's key stops at once.
		await ask(squatter.email);
		const [mail] = await waitForMail(squatter.email, /Reset your reels-edge password/);
		expect((await confirm(linkToken(mail as NonNullable<typeof mail>, "reset-password"), NEW_PASSWORD)).status).toBe(200);
		expect((await api("/api/reels", { token: made.key })).status).toBe(401);
	});

	it("takes a verification link for nothing but verifying", async () => {
		const u = await registerUser("Mixed Up");
		const [mail] = await waitForMail(u.email, CONFIRM);
		const res = await confirm(linkToken(mail as NonNullable<typeof mail>, "verify-email"), NEW_PASSWORD);
		expect(res.status).toBe(400);
		expect((await login(u.email, GOOD_PASSWORD)).status).toBe(200);
		// Refused, it is not spent: it still verifies.
		expect((await verify(linkToken(mail as NonNullable<typeof mail>, "verify-email"))).status).toBe(200);
	});
});

describe("changing the password", () => {
	it("mails a notice to the account's address", async () => {
		const u = await registerUser("Notified");
		const res = await api("/api/auth/password", {
			method: "POST",
			token: u.accessToken,
			json: { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD },
		});
		expect(res.status).toBe(200);
		const [notice] = await waitForMail(u.email, /password was changed/);
		expect(notice?.text).toContain("every other device was signed out");
	});
});
