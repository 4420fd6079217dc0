import { env } from "cloudflare:workers";
import { base64url, importJWK, SignJWT } from "jose";
import { describe, expect, it, vi } from "vitest";
import { api, registerUser } from "../../test-support/api";
import { signAccessToken, verifyAccessToken } from "./access-token";

type Jwk = { kid: string; kty: string; crv: string; x: string; d: string };
const testKeys = () => JSON.parse(env.JWT_PRIVATE_KEYS) as Jwk[];
const keyOf = async (jwk: Jwk) => importJWK(jwk, "EdDSA");

/** A token for a real session, signed however the case needs. */
async function craft(
	{ sub, sid, lsn }: { sub: string; sid: string; lsn?: string },
	opts: { jwk?: Jwk; kid?: string; aud?: string; iss?: string; exp?: number; nbf?: number; iat?: number } = {},
) {
	const jwk = opts.jwk ?? (testKeys()[0] as Jwk);
	const now = Math.floor(Date.now() / 1000);
	return new SignJWT({ role: "user", sid, ...(lsn ? { lsn } : {}) })
		.setProtectedHeader({ alg: "EdDSA", kid: opts.kid ?? jwk.kid, typ: "JWT" })
		.setIssuer(opts.iss ?? "https://reels-edge.dev")
		.setAudience(opts.aud ?? "reels-edge-api")
		.setSubject(sub)
		.setJti(crypto.randomUUID())
		.setIssuedAt(opts.iat ?? now)
		.setNotBefore(opts.nbf ?? now)
		.setExpirationTime(opts.exp ?? now + 600)
		.sign(await keyOf(jwk));
}

async function sessionIds() {
	const s = await registerUser();
	const claims = await verifyAccessToken(env, s.accessToken);
	return { ids: { sub: claims.sub, sid: claims.sid, lsn: claims.lsn }, token: s.accessToken };
}

const meWith = async (token: string) => {
	const res = await api("/api/users/me", { token });
	return { status: res.status, body: (await res.json()) as { code?: string; detail?: string } };
};

describe("access tokens", () => {
	it("carries iss, aud, sub, exp, iat, nbf, jti, role, sid and a kid, signed with EdDSA", async () => {
		const { token } = await sessionIds();
		const [header, payload] = token
			.split(".")
			.slice(0, 2)
			.map((p) => JSON.parse(new TextDecoder().decode(base64url.decode(p ?? ""))));
		expect(header).toEqual({ alg: "EdDSA", kid: "test-current", typ: "JWT" });
		expect(payload).toMatchObject({ iss: "https://reels-edge.dev", aud: "reels-edge-api", role: "user" });
		for (const claim of ["sub", "exp", "iat", "nbf", "jti", "sid"]) expect(payload).toHaveProperty(claim);
		expect(payload.exp - payload.iat).toBe(900);
	});

	it("still accepts tokens signed by the previous key after a rotation", async () => {
		const { ids } = await sessionIds();
		const previous = testKeys()[1] as Jwk;
		expect((await meWith(await craft(ids, { jwk: previous }))).status).toBe(200);
	});

	it("remembers a verified token only within its own lifetime and key set", async () => {
		const { ids } = await sessionIds();
		const now = Math.floor(Date.now() / 1000);
		// Expired 25 s ago: still inside the 30 s allowance, so it verifies (and is remembered)...
		const token = await craft(ids, { iat: now - 1000, nbf: now - 1000, exp: now - 25 });
		expect((await verifyAccessToken(env, token)).sid).toBe(ids.sid);
		// ...by this key set only: a set without its key refuses it, remembered or not.
		const [, previous] = testKeys();
		await expect(verifyAccessToken({ ...env, JWT_PRIVATE_KEYS: JSON.stringify([previous]) }, token)).rejects.toMatchObject({ status: 401 });
		// ...and not past the allowance: 10 s on, the remembered answer is not used.
		vi.useFakeTimers({ toFake: ["Date"] });
		try {
			vi.setSystemTime(Date.now() + 10_000);
			await expect(verifyAccessToken(env, token)).rejects.toMatchObject({ status: 401, detail: expect.stringContaining("expired") });
		} finally {
			vi.useRealTimers();
		}
	});

	it("refuses alg none", async () => {
		const { ids } = await sessionIds();
		const enc = (o: unknown) => base64url.encode(JSON.stringify(o));
		const now = Math.floor(Date.now() / 1000);
		const unsigned = `${enc({ alg: "none", typ: "JWT" })}.${enc({ sub: ids.sub, sid: ids.sid, role: "admin", iss: "https://reels-edge.dev", aud: "reels-edge-api", exp: now + 600, iat: now, jti: "x" })}.`;
		const r = await meWith(unsigned);
		expect(r.status).toBe(401);
		expect(r.body.code).toBe("invalid_token");
	});

	it("refuses an HS256 token keyed with the public key (algorithm confusion)", async () => {
		const { ids } = await sessionIds();
		const pub = new TextEncoder().encode((testKeys()[0] as Jwk).x);
		const now = Math.floor(Date.now() / 1000);
		const forged = await new SignJWT({ role: "admin", sid: ids.sid })
			.setProtectedHeader({ alg: "HS256", kid: "test-current" })
			.setIssuer("https://reels-edge.dev")
			.setAudience("reels-edge-api")
			.setSubject(ids.sub)
			.setJti("j")
			.setIssuedAt(now)
			.setExpirationTime(now + 600)
			.sign(pub);
		expect((await meWith(forged)).status).toBe(401);
	});

	it("refuses a wrong signature (a stranger's key under our kid)", async () => {
		const { ids } = await sessionIds();
		const { privateKey } = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
		const jwk = (await crypto.subtle.exportKey("jwk", privateKey)) as Jwk;
		const r = await meWith(await craft(ids, { jwk: { ...jwk, kid: "test-current" } }));
		expect(r.status).toBe(401);
	});

	it("refuses the wrong audience or issuer", async () => {
		const { ids } = await sessionIds();
		const aud = await meWith(await craft(ids, { aud: "someone-else" }));
		expect(aud.status).toBe(401);
		expect(aud.body.detail).toContain("aud");
		expect((await meWith(await craft(ids, { iss: "https://evil.example" }))).status).toBe(401);
	});

	it("refuses an expired token, with a 30 s allowance for clock skew", async () => {
		const { ids } = await sessionIds();
		const now = Math.floor(Date.now() / 1000);
		const expired = await meWith(await craft(ids, { iat: now - 1000, nbf: now - 1000, exp: now - 60 }));
		expect(expired.status).toBe(401);
		expect(expired.body.detail).toContain("expired");
		expect((await meWith(await craft(ids, { iat: now - 1000, nbf: now - 1000, exp: now - 10 }))).status).toBe(200);
	});

	it("refuses a token that is not valid yet (nbf in the future)", async () => {
		const { ids } = await sessionIds();
		const now = Math.floor(Date.now() / 1000);
		const r = await meWith(await craft(ids, { nbf: now + 300 }));
		expect(r.status).toBe(401);
		expect(r.body.detail).toContain("nbf");
	});

	it("refuses an unknown kid", async () => {
		const { ids } = await sessionIds();
		const r = await meWith(await craft(ids, { kid: "retired-long-ago" }));
		expect(r.status).toBe(401);
		expect(r.body.detail).toContain("unknown key");
	});

	it("refuses a malformed Authorization header instead of treating the caller as anonymous", async () => {
		const res = await api("/api/users/me", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
		expect(res.status).toBe(401);
		const garbage = await api(`/api/users/${crypto.randomUUID()}`, { headers: { authorization: "Bearer not.a.jwt-at-all" } });
		expect(garbage.status).toBe(401);
	});

	it("signs with the first key of the set", async () => {
		const { token } = await signAccessToken(env, { sub: crypto.randomUUID(), role: "creator", sid: crypto.randomUUID() });
		expect(JSON.parse(new TextDecoder().decode(base64url.decode(token.split(".")[0] ?? ""))).kid).toBe("test-current");
	});
});

describe("GET /.well-known/jwks.json", () => {
	it("publishes every verifying key's public half, and never a private part", async () => {
		const res = await api("/.well-known/jwks.json");
		expect(res.status).toBe(200);
		const { keys } = (await res.json()) as { keys: Record<string, string>[] };
		expect(keys.map((k) => k.kid)).toEqual(["test-current", "test-previous"]);
		for (const k of keys) {
			expect(k).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
			expect(k).not.toHaveProperty("d");
		}
	});
});
