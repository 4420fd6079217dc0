import { describe, expect, it } from "vitest";
import { apiKeyPrefix, mintApiKey, parseApiKey, scopeFor } from "./api-keys";

describe("API key shape", () => {
	it("carries its id and its owner's, and nothing else parses as a key", () => {
		const owner = crypto.randomUUID();
		const { id, key } = mintApiKey(owner);
		expect(parseApiKey(key)).toEqual({ id, ownerId: owner });
		expect(key.startsWith(apiKeyPrefix(id))).toBe(true);
		for (const bad of ["rk_", `rk_${id}_x`, `${key}x`, key.replace("rk_", "rx_"), key.toUpperCase()])
			expect(parseApiKey(bad), bad).toBeNull();
	});
});

describe("scopeFor", () => {
	it("names the scope of each operation a key may use", () => {
		const cases: [string, string, string][] = [
			["GET", "/api/videos/0190f1c4-6f1a-7c3e-9d2b-5b8e0c1a2b3c/status", "videos:read"],
			["POST", "/api/videos/upload", "videos:write"],
			["PATCH", "/api/uploads/tus/abc", "videos:write"],
			["HEAD", "/api/uploads/tus/abc", "videos:write"],
			["DELETE", "/api/assets/x", "videos:write"],
			["GET", "/api/reels", "reels:read"],
			["HEAD", "/api/reels/x", "reels:read"],
			["GET", "/api/users/0190f1c4/reels", "reels:read"],
			["POST", "/api/reels", "reels:write"],
			["DELETE", "/api/reels/x", "reels:write"],
			["POST", "/api/live/x/key", "live:write"],
		];
		for (const [method, path, scope] of cases) expect(scopeFor(method, path), `${method} ${path}`).toBe(scope);
	});

	it("lists nothing on the account, its keys, sessions, social actions or admin routes", () => {
		const closed: [string, string][] = [
			["GET", "/api/users/me"],
			["PATCH", "/api/users/me"],
			["GET", "/api/users/me/follow-requests"],
			["GET", "/api/users/me/reels"],
			["GET", "/api/users"],
			["PUT", "/api/users/x/role"],
			["POST", "/api/keys"],
			["DELETE", "/api/keys/x"],
			["POST", "/api/auth/logout"],
			["POST", "/api/reels/x/like"],
			["POST", "/api/reels/x/comments"],
			["POST", "/api/users/x/follow"],
			["GET", "/api/notifications"],
			["GET", "/ws"],
			["POST", "/cdn/cache/purge"],
			["POST", "/api/admin/reels/x/restore"],
			["GET", "/api/reels/x/y"],
		];
		for (const [method, path] of closed) expect(scopeFor(method, path), `${method} ${path}`).toBeNull();
	});
});
