// API keys: shown once, stored as a hash, admitted by their own gate without the database, held
// to their scopes and their own quota, never used on the account, and refused from the moment they
// are revoked.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ApiKeyGate } from "../../../durable-objects/api-key-gate";
import { API_SCOPES, hashApiKey, mintApiKey } from "../../lib/auth/api-keys";
import { api, GOOD_PASSWORD, registerUser, type Session } from "../../test-support/api";
import { json, person, postReel, videoOf } from "../../test-support/reels";
import { setRole } from "../../test-support/roles";

interface CreatedKey {
	id: string;
	/** The consistency token of the creation: a list read after it sees the key. */
	seen: string;
	key: string;
	prefix: string;
	scopes: string[];
	expiresAt: string | null;
	lastUsedAt: string | null;
}

async function createKey(owner: Session, scopes: string[], more: Record<string, unknown> = {}): Promise<CreatedKey> {
	const res = await api("/api/keys", {
		method: "POST",
		token: owner.accessToken,
		json: { password: GOOD_PASSWORD, name: "integration", scopes, ...more },
	});
	if (res.status !== 201) throw new Error(`creating a key: ${res.status} ${await res.text()}`);
	expect(res.headers.get("cache-control")).toBe("no-store");
	return { ...(await json<CreatedKey>(res)), seen: res.headers.get("x-consistency-token") ?? "" };
}

const withKey = (key: string, init: RequestInit & { json?: unknown } = {}) => ({ ...init, token: key });

describe("API keys", () => {
	it("shows the key once, lists it by prefix and scopes, and records its last use", async () => {
		const owner = await registerUser("Key Owner");
		const created = await createKey(owner, ["videos:read"]);
		expect(created.key).toMatch(/^rk_[0-9a-f]{64}_[A-Za-z0-9_-]{43}$/);
		expect(created.key.startsWith(created.prefix)).toBe(true);
		expect(created).toMatchObject({ scopes: ["videos:read"], expiresAt: null, lastUsedAt: null });

		const listed = await api("/api/keys", { token: owner.accessToken, headers: { "x-consistency-token": created.seen } });
		expect(listed.status).toBe(200);
		const text = await listed.clone().text();
		expect(text).not.toContain(created.key.slice(created.prefix.length + 10));
		const [item] = (await json<{ items: CreatedKey[] }>(listed)).items;
		expect(item).toMatchObject({ id: created.id, prefix: created.prefix, scopes: ["videos:read"], lastUsedAt: null });
		expect(item).not.toHaveProperty("key");

		const used = await api("/api/users/me/storage", withKey(created.key));
		expect(used.status).toBe(200);
		// Admitted by the key's gate: no database statement to decide, one object call.
		expect(used.headers.get("x-request-cost")).toMatch(/^primary=0, replica=0, do=1$/);
		const after = (
			await json<{ items: CreatedKey[] }>(
				await api("/api/keys", { token: owner.accessToken, headers: { "x-consistency-token": created.seen } }),
			)
		).items[0];
		expect(after?.lastUsedAt).not.toBeNull();
	});

	it("acts as its owner within its scopes", async () => {
		const owner = await person("Key Poster");
		const key = (await createKey(owner, ["reels:write", "reels:read"])).key;
		const video = await videoOf(owner);
		const posted = await api("/api/reels", withKey(key, { method: "POST", json: { video_id: video.id, caption: "posted by a key" } }));
		expect(posted.status).toBe(201);
		const reel = await json<{ id: string; author: { id: string } }>(posted);
		expect(reel.author.id).toBe(owner.user.id);
		const read = await api(`/api/reels/${reel.id}`, {
			token: key,
			headers: { "x-consistency-token": posted.headers.get("x-consistency-token") ?? "" },
		});
		expect(read.status).toBe(200);
		expect((await api(`/api/reels/${reel.id}`, withKey(key, { method: "PATCH", json: { caption: "edited by a key" } }))).status).toBe(200);
	});

	it("is refused, 403 insufficient_scope, where its scopes do not reach", async () => {
		const owner = await person("Narrow Key");
		const key = (await createKey(owner, ["videos:read"])).key;
		const video = await videoOf(owner);
		const res = await api("/api/reels", withKey(key, { method: "POST", json: { video_id: video.id } }));
		expect(res.status).toBe(403);
		expect(await res.json()).toMatchObject({ code: "insufficient_scope", requiredScope: "reels:write" });
	});

	it("never acts on the account: its profile, sessions, follows or keys, whatever its scopes", async () => {
		const owner = await person("Account Owner");
		const other = await person("Someone");
		const created = await createKey(owner, [...API_SCOPES]);
		const attempts: [string, string, unknown?][] = [
			["GET", "/api/users/me"],
			["PATCH", "/api/users/me", { name: "Taken over" }],
			["POST", "/api/keys", { password: GOOD_PASSWORD, name: "another", scopes: ["reels:read"] }],
			["POST", "/api/auth/password", { currentPassword: GOOD_PASSWORD, newPassword: "taken over 99" }],
			["GET", "/api/keys"],
			["DELETE", `/api/keys/${created.id}`],
			["POST", "/api/auth/logout"],
			["POST", `/api/users/${other.user.id}/follow`],
			["GET", "/api/notifications"],
			["GET", "/api/users"],
		];
		for (const [method, path, body] of attempts) {
			const res = await api(path, withKey(created.key, { method, ...(body ? { json: body } : {}) }));
			expect(res.status, `${method} ${path}`).toBe(403);
			expect((await json<{ code: string }>(res)).code, `${method} ${path}`).toBe("insufficient_scope");
		}
		// The key still works where it may: nothing above spent or revoked it.
		expect((await api("/api/users/me/storage", withKey(created.key))).status).toBe(200);
	});

	it("carries no admin powers, even an admin's", async () => {
		const admin = await person("Admin With Key");
		const author = await person("Author");
		const reel = await postReel(author);
		await setRole(admin.user.id, "admin");
		const session = await api("/api/auth/login", { method: "POST", json: { email: admin.user.email, password: GOOD_PASSWORD } });
		const adminToken = (await json<Session>(session)).accessToken;
		const key = (await createKey({ ...admin, accessToken: adminToken }, ["reels:write"])).key;
		const res = await api(
			`/api/reels/${reel.id}`,
			withKey(key, { method: "DELETE", headers: { "x-consistency-token": reel.consistencyToken } }),
		);
		expect(res.status).toBe(403);
		expect((await json<{ code: string }>(res)).code).toBe("not_your_reel");
		// The admin's own token may: what the key lacked was the role, not the reel.
		expect((await api(`/api/reels/${reel.id}`, { method: "DELETE", token: adminToken })).status).toBe(204);
	});

	it("is refused from the moment it is revoked; another account cannot revoke it", async () => {
		const owner = await person("Revoker");
		const stranger = await person("Stranger");
		const created = await createKey(owner, ["videos:read"]);
		expect((await api(`/api/keys/${created.id}`, { method: "DELETE", token: stranger.accessToken })).status).toBe(404);
		expect((await api("/api/users/me/storage", withKey(created.key))).status).toBe(200);
		expect((await api(`/api/keys/${created.id}`, { method: "DELETE", token: owner.accessToken })).status).toBe(204);
		const after = await api("/api/users/me/storage", withKey(created.key));
		expect(after.status).toBe(401);
		expect((await json<{ code: string }>(after)).code).toBe("invalid_token");
		expect((await api(`/api/keys/${created.id}`, { method: "DELETE", token: owner.accessToken })).status).toBe(404);
	});

	it("refuses a wrong secret, a malformed key and an expired one", async () => {
		const owner = await person("Guessed");
		const created = await createKey(owner, ["videos:read"]);
		const forged = `${created.key.slice(0, -43)}${"A".repeat(43)}`;
		for (const key of [forged, "rk_not-a-key", `rk_${"0".repeat(32)}_${"B".repeat(43)}`]) {
			const res = await api("/api/users/me/storage", withKey(key));
			expect(res.status, key).toBe(401);
		}
		// An expired key, still held by its gate (its alarm has not forgotten it yet): refused by its expiry alone.
		const { id, key } = mintApiKey(owner.user.id);
		const gate = env.API_KEY_GATE.getByName(owner.user.id);
		const record = { hash: await hashApiKey(key), scopes: ["videos:read" as const] };
		await runInDurableObject(gate, (_: ApiKeyGate, state) => state.storage.put(`key:${id}`, { ...record, expiresAtMs: Date.now() - 1 }));
		expect((await api("/api/users/me/storage", withKey(key))).status).toBe(401);
		// The same key unexpired is let in: what refused it was the expiry.
		await runInDurableObject(gate, (_: ApiKeyGate, state) =>
			state.storage.put(`key:${id}`, { ...record, expiresAtMs: Date.now() + 60_000 }),
		);
		expect((await api("/api/users/me/storage", withKey(key))).status).toBe(200);
	});

	it("validates what it is asked to create", async () => {
		const owner = await person("Validator");
		const bad = [
			{ name: "x", scopes: [] },
			{ name: "x", scopes: ["admin"] },
			{ name: "x", scopes: ["reels:read", "reels:read"] },
			{ name: "", scopes: ["reels:read"] },
			{ name: "x", scopes: ["reels:read"], expiresAt: "2020-01-01T00:00:00Z" },
			{ name: "x", scopes: ["reels:read"], expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString() },
			{ name: "x", scopes: ["reels:read"], extra: true },
		];
		for (const body of bad) {
			const res = await api("/api/keys", { method: "POST", token: owner.accessToken, json: { password: GOOD_PASSWORD, ...body } });
			expect(res.status, JSON.stringify(body)).toBe(400);
		}
		const expiring = await createKey(owner, ["reels:read"], { expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
		expect(expiring.expiresAt).not.toBeNull();
	});

	it("shares one hourly quota among an account's keys, apart from its sessions'", async () => {
		const owner = await person("Quota");
		const key = (await createKey(owner, ["videos:read"])).key;
		const second = (await createKey(owner, ["videos:read"])).key;
		const oneAnHour = { QUOTA_API_KEY_PER_HOUR: "1" };
		const first = await api("/api/users/me/storage", withKey(key), oneAnHour);
		expect(first.status).toBe(200);
		expect(first.headers.get("ratelimit-policy")).toBe('"api-key-hourly";q=1;w=3600');
		const refused = await api("/api/users/me/storage", withKey(key), oneAnHour);
		expect(refused.status).toBe(429);
		// Another key of the same account draws on the same budget: twenty keys are not twenty quotas.
		expect((await api("/api/users/me/storage", withKey(second), oneAnHour)).status).toBe(429);
		expect((await api("/api/users/me/storage", { token: owner.accessToken }, oneAnHour)).status).toBe(200);
	});

	it("asks for the password again, throttled as sign-ins are: a stolen access token alone mints no key", async () => {
		const owner = await person("Stolen Token");
		const vars = { LOGIN_FAILURES_PER_ACCOUNT: "2" };
		const attempt = (password: string) =>
			api("/api/keys", { method: "POST", token: owner.accessToken, json: { password, name: "x", scopes: ["reels:read"] } }, vars);
		for (let i = 0; i < 2; i++) {
			const res = await attempt(`guess number ${i}`);
			expect(res.status).toBe(403);
			expect((await json<{ code: string }>(res)).code).toBe("wrong_password");
		}
		expect((await attempt("guess number 3")).status).toBe(429);
		expect((await api("/api/keys", { token: owner.accessToken })).status).toBe(200);
	});

	it("stays refused when it is revoked while its creation is in flight", async () => {
		const owner = await person("Racer");
		const { id, key } = mintApiKey(owner.user.id);
		const gate = env.API_KEY_GATE.getByName(owner.user.id);
		await gate.revoke(id);
		expect(await gate.install(id, { hash: await hashApiKey(key), scopes: ["videos:read"], expiresAtMs: null })).toBe(false);
		expect((await api("/api/users/me/storage", withKey(key))).status).toBe(401);
	});

	it("holds an account to 20 keys", async () => {
		const owner = await person("Collector");
		// One after another: each creation checks the password, and password tries are reserved per account.
		for (let i = 0; i < 20; i++) await createKey(owner, ["reels:read"]);
		const res = await api("/api/keys", {
			method: "POST",
			token: owner.accessToken,
			json: { password: GOOD_PASSWORD, name: "one more", scopes: ["reels:read"] },
		});
		expect(res.status).toBe(409);
		expect((await json<{ code: string }>(res)).code).toBe("too_many_api_keys");
	});

	it("documents the key as a security scheme on exactly the operations it may use", async () => {
		const doc = await json<{
			components: { securitySchemes: Record<string, unknown> };
			paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
		}>(await api("/openapi.json"));
		expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
		expect(doc.paths["/api/reels"]?.post?.security).toContainEqual({ apiKey: ["reels:write"] });
		expect(doc.paths["/api/keys"]?.post?.security).not.toContainEqual(expect.objectContaining({ apiKey: expect.anything() }));
		expect(doc.paths["/api/users/me"]?.get?.security).toEqual([{ bearer: [] }]);
	});
});
