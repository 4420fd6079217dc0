import { toBase64url } from "../encoding/base64url";
import { toHex } from "../encoding/bytes";

// Refresh tokens are opaque random strings; only their SHA-256 is stored, so a
// database leak does not leak usable tokens.

const REFRESH_TOKEN_BYTES = 32;

export function newOpaqueToken(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(REFRESH_TOKEN_BYTES));
	return toBase64url(bytes);
}

export async function hashOpaqueToken(token: string): Promise<string> {
	return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))));
}
