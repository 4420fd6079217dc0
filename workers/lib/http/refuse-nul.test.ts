// U+0000 in any stored text, query or header-carried metadata is a 400 naming
// the field, never a 500 from Postgres (found by the fuzz pass: issue 15).
import { describe, expect, it } from "vitest";
import { api, registerUser } from "../../test-support/api";

const problem = async (res: Response) => ({
	status: res.status,
	type: res.headers.get("content-type"),
	body: (await res.json()) as { errors?: { path: string }[] },
});

describe("text holding U+0000", () => {
	it("is refused in every JSON body field, with the field named", async () => {
		const s = await registerUser();
		const reg = await problem(
			await api("/api/auth/register", { method: "POST", json: { email: "nul@example.test", password: "correct horse 9", name: "a\0b" } }),
		);
		expect(reg).toMatchObject({ status: 400, type: "application/problem+json", body: { errors: [{ path: "name" }] } });
		const me = await problem(await api("/api/users/me", { method: "PATCH", token: s.accessToken, json: { name: "ok", bio: "x\0" } }));
		expect(me).toMatchObject({ status: 400, body: { errors: [{ path: "bio" }] } });
		// Nested and in keys too.
		const nested = await problem(await api("/api/users/me", { method: "PATCH", token: s.accessToken, json: { links: [{ "k\0": 1 }] } }));
		expect(nested.body.errors?.[0]?.path).toBe("links.0.k\0");
		// An escaped backslash followed by "u0000" is ordinary text, not a NUL.
		expect((await api("/api/users/me", { method: "PATCH", token: s.accessToken, json: { bio: "\\u0000" } })).status).toBe(200);
	});

	it("is refused in query strings and paths", async () => {
		const q = await problem(await api("/api/search?q=%00"));
		expect(q).toMatchObject({ status: 400, type: "application/problem+json", body: { errors: [{ path: "query.q" }] } });
		expect((await api("/api/hashtags/a%00b/reels")).status).toBe(400);
	});
});
