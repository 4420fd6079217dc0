// Ed25519 private JWKs for the JWT_PRIVATE_KEYS secret. Used by `npm run dev`
// (writes .dev.vars once) and the tests; for production:
//   node scripts/signing-keys.ts | npx wrangler secret put JWT_PRIVATE_KEYS --env production
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export interface PrivateJwk {
	kty: "OKP";
	crv: "Ed25519";
	kid: string;
	x: string;
	d: string;
}

export function generateSigningKey(
	kid = `k-${new Date().toISOString().slice(0, 10)}-${Math.random().toString(36).slice(2, 8)}`,
): PrivateJwk {
	const { privateKey } = generateKeyPairSync("ed25519");
	const jwk = privateKey.export({ format: "jwk" });
	if (!jwk.x || !jwk.d) throw new Error("could not export the Ed25519 key as JWK");
	return { kty: "OKP", crv: "Ed25519", kid, x: jwk.x, d: jwk.d };
}

/** An IMAGE_URL_KEYS or MEDIA_URL_KEYS value: one HMAC key for signed image or media URLs. */
export function generateImageUrlKeys(tag = "img"): Record<string, string> {
	return { [`${tag}-${new Date().toISOString().slice(0, 10)}`]: randomBytes(32).toString("base64url") };
}

/** Makes sure `path` (a .dev.vars file) defines every secret; never replaces an existing value. */
export function ensureDevSecrets(path: string): boolean {
	let current = existsSync(path) ? readFileSync(path, "utf8") : "";
	const missing: string[] = [];
	if (!/^JWT_PRIVATE_KEYS=/m.test(current)) missing.push(`JWT_PRIVATE_KEYS=${JSON.stringify([generateSigningKey()])}`);
	if (!/^IMAGE_URL_KEYS=/m.test(current)) missing.push(`IMAGE_URL_KEYS=${JSON.stringify(generateImageUrlKeys())}`);
	if (!/^MEDIA_URL_KEYS=/m.test(current)) missing.push(`MEDIA_URL_KEYS=${JSON.stringify(generateImageUrlKeys("media"))}`);
	if (missing.length === 0) return false;
	if (current && !current.endsWith("\n")) current += "\n";
	writeFileSync(path, `${current}${missing.join("\n")}\n`, { mode: 0o600 });
	return true;
}

if (import.meta.main) {
	// A key set for a secret store: the new key first; pass old ones to keep them verifying.
	const keep = process.argv.slice(2).map((s) => JSON.parse(s) as PrivateJwk);
	console.log(JSON.stringify([generateSigningKey(), ...keep]));
}
