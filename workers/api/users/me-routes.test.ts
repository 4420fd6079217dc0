import { describe, expect, it } from "vitest";
import { api, registerUser } from "../../test-support/api";
import { seedAsset } from "../../test-support/assets";

async function imageAssetOf(ownerId: string, kind: "image" | "video" = "image") {
	return (await seedAsset({ bytes: new Uint8Array(10), kind, ownerId })).id;
}

describe("/api/users/me", () => {
	it("needs a signed-in caller", async () => {
		const res = await api("/api/users/me");
		expect(res.status).toBe(401);
		expect(res.headers.get("www-authenticate")).toContain("Bearer");
	});

	it("changes name and bio, and the change reads back at once", async () => {
		const s = await registerUser();
		const patched = await api("/api/users/me", {
			method: "PATCH",
			token: s.accessToken,
			json: { name: "  New Name ", bio: "makes reels" },
		});
		expect(patched.status).toBe(200);
		expect(await patched.json()).toMatchObject({ name: "New Name", bio: "makes reels" });
		const lsn = patched.headers.get("x-consistency-token") ?? "";
		const me = await api("/api/users/me", { token: s.accessToken, headers: { "x-consistency-token": lsn } });
		expect(await me.json()).toMatchObject({ name: "New Name", bio: "makes reels" });
		const pub = await api(`/api/users/${s.user.id}`, { headers: { "x-consistency-token": lsn } });
		expect(await pub.json()).toMatchObject({ name: "New Name", bio: "makes reels" });
	});

	it("sets an avatar only from the caller's own image asset", async () => {
		const s = await registerUser();
		const mine = await imageAssetOf(s.user.id);
		const ok = await api("/api/users/me", { method: "PATCH", token: s.accessToken, json: { avatarAssetId: mine } });
		expect(ok.status).toBe(200);
		expect(await ok.json()).toMatchObject({ avatarAssetId: mine });
		for (const bad of [await imageAssetOf(crypto.randomUUID()), await imageAssetOf(s.user.id, "video"), crypto.randomUUID()]) {
			const res = await api("/api/users/me", { method: "PATCH", token: s.accessToken, json: { avatarAssetId: bad } });
			expect(res.status).toBe(400);
			expect(await res.json()).toMatchObject({ code: "invalid_avatar_asset" });
		}
		const cleared = await api("/api/users/me", { method: "PATCH", token: s.accessToken, json: { avatarAssetId: null } });
		expect(await cleared.json()).toMatchObject({ avatarAssetId: null });
	});

	it("refuses unknown fields, empty changes, an over-long bio and a role change", async () => {
		const s = await registerUser();
		for (const json of [{}, { role: "admin" }, { bio: "b".repeat(301) }, { name: "" }, { email: "x@y.z" }]) {
			const res = await api("/api/users/me", { method: "PATCH", token: s.accessToken, json });
			expect(res.status, JSON.stringify(json)).toBe(400);
		}
		const me = await api("/api/users/me", { token: s.accessToken });
		expect(await me.json()).toMatchObject({ role: "user" });
	});
});
