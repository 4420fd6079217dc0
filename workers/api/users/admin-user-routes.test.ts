import { describe, expect, it } from "vitest";
import { api, registerUser } from "../../test-support/api";
import { setRole } from "../../test-support/roles";

describe("PUT /api/users/:id/role", () => {
	it("changes a role at once, for the tokens already out too, without a database read per request", async () => {
		const admin = await registerUser("Admin");
		await setRole(admin.user.id, "admin");
		const member = await registerUser("Member");
		const listUsers = () => api("/api/users?limit=1", { token: member.accessToken });
		expect((await listUsers()).status).toBe(403);

		const promote = await api(`/api/users/${member.user.id}/role`, { method: "PUT", token: admin.accessToken, json: { role: "admin" } });
		expect(promote.status).toBe(200);
		expect(await promote.json()).toMatchObject({ id: member.user.id, role: "admin" });
		// The member's token was issued as `user`: the gate gives it the new role from now on.
		expect((await listUsers()).status).toBe(200);

		await api(`/api/users/${member.user.id}/role`, { method: "PUT", token: admin.accessToken, json: { role: "user" } });
		expect((await listUsers()).status).toBe(403);
	});

	it("is for admins only, and validates the role and the account", async () => {
		const admin = await registerUser();
		await setRole(admin.user.id, "admin");
		const someone = await registerUser();
		const put = (token: string, id: string, json: unknown) => api(`/api/users/${id}/role`, { method: "PUT", token, json });
		expect((await put(someone.accessToken, someone.user.id, { role: "admin" })).status).toBe(403);
		expect((await put(admin.accessToken, someone.user.id, { role: "emperor" })).status).toBe(400);
		expect((await put(admin.accessToken, crypto.randomUUID(), { role: "creator" })).status).toBe(404);
	});
});
