import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../../lib/postgres/routed-database";
import { api, registerUser } from "../../test-support/api";
import { json, seenAll } from "../../test-support/reels";
import { HANDLE_CHANGE_COOLDOWN_DAYS, HANDLE_HOLD_DAYS, HandleSchema, handleFromName } from "./handle";

type Me = { id: string; handle: string; nextHandleChangeAt: string | null };
const unique = () => `h${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
const setHandle = (token: string, handle: string) => api("/api/users/me", { method: "PATCH", token, json: { handle } });

/** Moves the account's last handle change back past the cooldown. */
const forgetLastChange = (userId: string) =>
	withDatabase(env, (db) =>
		db.write((q) =>
			q.execute(
				sql`UPDATE users SET handle_changed_at = now() - make_interval(days => ${HANDLE_CHANGE_COOLDOWN_DAYS + 1}) WHERE id = ${userId}`,
			),
		),
	);

describe("handles", () => {
	it("gives each new account one from its name, found by /api/users/by-handle with or without @, in any case", async () => {
		const s = await registerUser("Ada Lovelace");
		const me = await json<Me>(await api("/api/users/me", { token: s.accessToken }));
		expect(me.handle).toMatch(/^adalovelace_\d{4}$/);
		expect(me.nextHandleChangeAt).toBeNull();
		for (const asked of [me.handle, `@${me.handle.toUpperCase()}`]) {
			const res = await api(`/api/users/by-handle/${encodeURIComponent(asked)}`, { headers: await seenAll() });
			expect(res.status, asked).toBe(200);
			expect(await res.json()).toMatchObject({ id: s.user.id, handle: me.handle, name: "Ada Lovelace" });
		}
		expect((await api(`/api/users/by-handle/${unique()}`)).status).toBe(404);
		expect((await api(`/api/users/${s.user.id}`, { headers: await seenAll() }).then(json<{ handle: string }>)).handle).toBe(me.handle);
	});

	it("changes to a free, valid handle (kept lowercase), then not again within the cooldown", async () => {
		const s = await registerUser();
		const wanted = unique();
		const changed = await setHandle(s.accessToken, `@${wanted.toUpperCase()}`);
		expect(changed.status, await changed.clone().text()).toBe(200);
		const me = await json<Me>(changed);
		expect(me.handle).toBe(wanted);
		expect(Date.parse(me.nextHandleChangeAt ?? "")).toBeGreaterThan(Date.now() + (HANDLE_CHANGE_COOLDOWN_DAYS - 1) * 86_400_000);
		// The same handle again is no change, so no cooldown problem.
		expect((await setHandle(s.accessToken, wanted)).status).toBe(200);
		const soon = await setHandle(s.accessToken, unique());
		expect(soon.status).toBe(409);
		expect(await soon.json()).toMatchObject({ code: "handle_change_too_soon" });
		await forgetLastChange(s.user.id);
		expect((await setHandle(s.accessToken, unique())).status).toBe(200);
		// The old handle no longer leads to the account.
		expect((await api(`/api/users/by-handle/${wanted}`, { headers: await seenAll() })).status).toBe(404);
	});

	it("refuses a handle someone has (in any case) with 409, and keeps both accounts as they were", async () => {
		const first = await registerUser();
		const second = await registerUser();
		const taken = unique();
		expect((await setHandle(first.accessToken, taken)).status).toBe(200);
		const res = await setHandle(second.accessToken, taken.toUpperCase());
		expect(res.status).toBe(409);
		expect(await res.json()).toMatchObject({ code: "handle_taken" });
		const me = await json<Me>(await api("/api/users/me", { token: second.accessToken, headers: await seenAll() }));
		expect(me.handle).not.toBe(taken);
		expect(me.nextHandleChangeAt).toBeNull();
	});

	it("answers a malformed or reserved handle with 400", async () => {
		const s = await registerUser();
		for (const handle of [
			"ab",
			"a".repeat(25),
			".ada",
			"ada.",
			"a..b",
			"ada lovelace",
			"ada-l",
			"<b>x</b>",
			"admin",
			"Support",
			"a.d.m.i.n",
			"admin_",
			"_support",
			"staff1",
			"support.team",
			"",
			"é_ada",
		]) {
			const res = await setHandle(s.accessToken, handle);
			expect(res.status, handle).toBe(400);
		}
		expect((await api("/api/users/by-handle/a%20b")).status).toBe(400);
	});
});

describe("a handle given up", () => {
	const holdsOf = (handle: string) =>
		withDatabase(env, (db) =>
			db.readFromPrimary((q) => q.execute<{ user_id: string }>(sql`SELECT user_id FROM held_handles WHERE handle = ${handle}`)),
		).then((r) => r.rows.map((x) => x.user_id));
	/** Moves a hold's start back past HANDLE_HOLD_DAYS. */
	const expireHold = (handle: string) =>
		withDatabase(env, (db) =>
			db.write((q) =>
				q.execute(
					sql`UPDATE held_handles SET released_at = now() - make_interval(days => ${HANDLE_HOLD_DAYS + 1}) WHERE handle = ${handle}`,
				),
			),
		);

	it("is held for its owner: nobody else may take it until the hold ends, and the owner may take it back", async () => {
		const owner = await registerUser();
		const other = await registerUser();
		const old = unique();
		expect((await setHandle(owner.accessToken, old)).status).toBe(200);
		await forgetLastChange(owner.user.id);
		expect((await setHandle(owner.accessToken, unique())).status).toBe(200);
		expect(await holdsOf(old)).toEqual([owner.user.id]);
		// Free by the users table, held all the same: the same 409 as a taken handle.
		expect((await api(`/api/users/by-handle/${old}`, { headers: await seenAll() })).status).toBe(404);
		const grab = await setHandle(other.accessToken, old);
		expect(grab.status).toBe(409);
		expect(await grab.json()).toMatchObject({ code: "handle_taken" });
		// Its owner may have it back (after their own cooldown), and the hold ends.
		await forgetLastChange(owner.user.id);
		expect((await setHandle(owner.accessToken, old)).status).toBe(200);
		expect(await holdsOf(old)).toEqual([]);
		// Once a hold has run out, anyone may take the handle.
		await forgetLastChange(owner.user.id);
		expect((await setHandle(owner.accessToken, unique())).status).toBe(200);
		await expireHold(old);
		expect((await setHandle(other.accessToken, old)).status).toBe(200);
	});

	it("is never taken by someone claiming it while its owner gives it up", async () => {
		const owner = await registerUser();
		const old = unique();
		expect((await setHandle(owner.accessToken, old)).status).toBe(200);
		await forgetLastChange(owner.user.id);
		const rivals = await Promise.all(Array.from({ length: 5 }, () => registerUser()));
		const [release, ...claims] = await Promise.all([
			setHandle(owner.accessToken, unique()),
			...rivals.map((r) => setHandle(r.accessToken, old)),
		]);
		expect(release?.status).toBe(200);
		// Before the release, the handle was the owner's; after it, held for them: 409 either way.
		expect(claims.map((c) => c.status)).toEqual(rivals.map(() => 409));
	});

	it("is not what registration derives for someone else", async () => {
		// Every 4-digit handle of this name is held for someone: registration goes on to 8 digits.
		const stem = `hold${crypto
			.randomUUID()
			.replaceAll(/[^a-f]/g, "")
			.slice(0, 8)}`;
		await withDatabase(env, (db) =>
			db.write((q) =>
				q.execute(sql`
					INSERT INTO held_handles (handle, user_id)
					SELECT ${stem} || '_' || lpad(n::text, 4, '0'), gen_random_uuid() FROM generate_series(0, 9999) AS n`),
			),
		);
		const s = await registerUser(stem);
		const me = await json<Me>(await api("/api/users/me", { token: s.accessToken }));
		expect(me.handle).toMatch(new RegExp(`^${stem}_\\d{8}$`));
	});
});

describe("searching by handle", () => {
	it("finds an account by its handle's start, with or without @, its exact handle first; _ is no wildcard", async () => {
		const base = unique();
		const exact = await registerUser("Someone Else");
		const longer = await registerUser("Another One");
		expect((await setHandle(exact.accessToken, `${base}_x`)).status).toBe(200);
		expect((await setHandle(longer.accessToken, `${base}_xy`)).status).toBe(200);
		const search = async (q: string) =>
			(
				await json<{ users: { id: string; handle: string }[] }>(
					await api(`/api/search?type=users&q=${encodeURIComponent(q)}`, { headers: await seenAll() }),
				)
			).users;
		expect((await search(`@${base}_x`)).map((u) => u.id)).toEqual([exact.user.id, longer.user.id]);
		expect((await search(base.toUpperCase())).map((u) => u.handle).sort()).toEqual([`${base}_x`, `${base}_xy`]);
		// "_" matches an underscore only: "<base>ax" is no handle here.
		expect(await search(`${base.slice(0, -1)}_`)).toEqual([]);
	});
});

describe("handleFromName", () => {
	it("keeps a name's letters and digits, falls back to 'user', and always fits the handle rules", () => {
		expect(handleFromName("Zoë O'Brien-Smith")).toMatch(/^zoeobriensmith_\d{4}$/);
		expect(handleFromName("李小龙")).toMatch(/^user_\d{4}$/);
		expect(handleFromName("Admin")).toMatch(/^user_\d{4}$/);
		expect(handleFromName("Support Team")).toMatch(/^user_\d{4}$/);
		// Reserved by its start only where the word passes for the platform: "Liveoak" and "Helper" keep theirs.
		expect(handleFromName("Liveoak")).toMatch(/^liveoak_\d{4}$/);
		expect(handleFromName("x".repeat(80), 8)).toHaveLength(24);
		for (const name of ["Zoë", "李", "Admin", "x".repeat(80), "__", "A B"]) {
			expect(HandleSchema.safeParse(handleFromName(name)).success, name).toBe(true);
		}
	});
});
