import { fromBase64url, toBase64url } from "../encoding/base64url";

// Password hashing with PBKDF2-HMAC-SHA256 at 100,000 iterations: the most the
// Workers runtime's WebCrypto allows in production (local workerd does not
// enforce that cap). docs/security.md explains the choice and its cost.
// Stored as `pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>` so the
// parameters can be raised later and old hashes still verify.

export const PBKDF2_ITERATIONS = 100_000;
export const SALT_BYTES = 16;
export const HASH_BYTES = 32;
const SCHEME = "pbkdf2-sha256";

async function derive(password: string, salt: Uint8Array, iterations: number, bytes: number): Promise<Uint8Array> {
	const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
	const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, bytes * 8);
	return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
	const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
	const hash = await derive(password, salt, PBKDF2_ITERATIONS, HASH_BYTES);
	return `${SCHEME}$${PBKDF2_ITERATIONS}$${toBase64url(salt)}$${toBase64url(hash)}`;
}

/** Constant-time check; a malformed stored hash simply does not match. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const [scheme, iter, saltText, hashText] = stored.split("$");
	const iterations = Number(iter);
	if (scheme !== SCHEME || !Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_ITERATIONS || !saltText || !hashText) {
		return false;
	}
	const expected = fromBase64url(hashText);
	const actual = await derive(password, fromBase64url(saltText), iterations, expected.length);
	return actual.length === expected.length && crypto.subtle.timingSafeEqual(actual, expected);
}

// A real hash of a random password: verifying against it for unknown emails
// costs the same as a wrong password, so timing does not reveal who has an account.
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
	decoy ??= hashPassword(crypto.randomUUID());
	return decoy;
}
