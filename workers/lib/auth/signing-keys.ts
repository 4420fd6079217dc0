// Access-token signing keys come from the JWT_PRIVATE_KEYS secret: a JSON array
// of Ed25519 private JWKs, each with a `kid`. The first signs; all verify and
// are published in the JWKS, so rotation is: prepend a new key, deploy, and
// drop the old one once every token it signed has expired.
import { importJWK, type JWK } from "jose";
import { z } from "zod";

export const JWT_ALGORITHM = "EdDSA";

const PrivateJwkSchema = z.object({
	kty: z.literal("OKP"),
	crv: z.literal("Ed25519"),
	kid: z.string().min(1).max(64),
	x: z.string().min(43),
	d: z.string().min(43),
});
const KeySetSchema = z.array(PrivateJwkSchema).min(1);

export interface SigningKeys {
	current: { kid: string; key: CryptoKey };
	verifying: Map<string, CryptoKey>;
	publicJwks: JWK[];
}

const cache = new Map<string, Promise<SigningKeys>>();

async function load(secret: string): Promise<SigningKeys> {
	let raw: unknown;
	try {
		raw = JSON.parse(secret);
	} catch {
		throw new Error("JWT_PRIVATE_KEYS is not JSON: expected an array of Ed25519 private JWKs");
	}
	const jwks = KeySetSchema.parse(raw);
	const verifying = new Map<string, CryptoKey>();
	const publicJwks: JWK[] = [];
	for (const { kid, kty, crv, x } of jwks) {
		verifying.set(kid, (await importJWK({ kty, crv, x }, JWT_ALGORITHM)) as CryptoKey);
		publicJwks.push({ kty, crv, x, kid, alg: JWT_ALGORITHM, use: "sig" });
	}
	const [first] = jwks;
	if (!first) throw new Error("JWT_PRIVATE_KEYS is empty");
	return { current: { kid: first.kid, key: (await importJWK(first, JWT_ALGORITHM)) as CryptoKey }, verifying, publicJwks };
}

/** The imported keys for this secret value (imported once per isolate). */
export function signingKeys(env: Env): Promise<SigningKeys> {
	const secret = env.JWT_PRIVATE_KEYS;
	if (!secret) return Promise.reject(new Error("JWT_PRIVATE_KEYS is not set (see docs/security.md)"));
	let keys = cache.get(secret);
	if (!keys) {
		keys = load(secret);
		cache.set(secret, keys);
	}
	return keys;
}
