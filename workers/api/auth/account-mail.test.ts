// Composing the account's mail, as the mail-outbox consumer does, against the real database.
import { env } from "cloudflare:workers";
import { like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../lib/ids/uuidv7";
import { withDatabase } from "../../lib/postgres/routed-database";
import { emailTokens } from "../../lib/postgres/schema";
import { registerUser, uniqueEmail, verifiedUser } from "../../test-support/api";
import { composeAccountMail, RESET_LINKS_PER_HOUR } from "./account-mail";
import { SPENT_LINKS_KEPT_DAYS, sweepEmailTokens } from "./email-tokens";

describe("spent links", () => {
	it("are deleted a week after their use or expiry, and not before", async () => {
		const u = await registerUser("Sweeper");
		const old = new Date(Date.now() - (SPENT_LINKS_KEPT_DAYS + 1) * 86_400_000);
		const recent = new Date(Date.now() - 86_400_000);
		await withDatabase(env, (db) =>
			db.write((q) =>
				q.insert(emailTokens).values([
					{
						tokenHash: `old-used-${u.user.id}`,
						userId: u.user.id,
						purpose: "verify_email",
						email: u.email,
						expiresAt: new Date(),
						usedAt: old,
					},
					{ tokenHash: `old-expired-${u.user.id}`, userId: u.user.id, purpose: "reset_password", email: u.email, expiresAt: old },
					{ tokenHash: `recent-${u.user.id}`, userId: u.user.id, purpose: "reset_password", email: u.email, expiresAt: recent },
				]),
			),
		);
		await sweepEmailTokens(env);
		const left = await withDatabase(env, (db) =>
			db.readFromPrimary((q) =>
				q
					.select({ h: emailTokens.tokenHash })
					.from(emailTokens)
					.where(like(emailTokens.tokenHash, `%-${u.user.id}`)),
			),
		);
		expect(left.map((r) => r.h)).toEqual([`recent-${u.user.id}`]);
	});
});

describe("composing account mail", () => {
	it("mails at most RESET_LINKS_PER_HOUR reset links an hour to one account, and none to an unknown address", async () => {
		const u = await registerUser("Flooded");
		await withDatabase(env, async (db) => {
			const made = [];
			for (let i = 0; i < RESET_LINKS_PER_HOUR + 2; i++) {
				made.push(await composeAccountMail(db, env, { id: uuidv7(), kind: "password_reset", email: u.email.toUpperCase() }));
			}
			expect(made.filter(Boolean)).toHaveLength(RESET_LINKS_PER_HOUR);
			expect(made.at(-1)).toBeNull();
			expect(await composeAccountMail(db, env, { id: uuidv7(), kind: "password_reset", email: uniqueEmail("nobody") })).toBeNull();
		});
	});

	it("sends no verification link to a verified address, and nothing for an account that is gone", async () => {
		const v = await verifiedUser("Done");
		await withDatabase(env, async (db) => {
			expect(await composeAccountMail(db, env, { id: uuidv7(), kind: "verify_email", userId: v.user.id })).toBeNull();
			expect(await composeAccountMail(db, env, { id: uuidv7(), kind: "verify_email", userId: crypto.randomUUID() })).toBeNull();
		});
	});

	it("escapes a name in the HTML part (a name is anyone's input)", async () => {
		const u = await registerUser('<img src=x onerror="alert(1)">');
		const mail = await withDatabase(env, (db) => composeAccountMail(db, env, { id: uuidv7(), kind: "verify_email", userId: u.user.id }));
		expect(mail?.html).not.toContain("<img src=x");
		expect(mail?.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
		expect(mail?.text).toContain('<img src=x onerror="alert(1)">');
	});
});
