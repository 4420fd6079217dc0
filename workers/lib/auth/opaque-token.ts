import { toBase64url } from "../encoding/base64url";

// Refresh tokens are opaque random strings; only their SHA-256 is stored, so a
// database leak does not leak usable tokens.

const REFRESH_TOKEN_BYTES = 32;

export function newOpaqueToken(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(REFRESH_TOKEN_BYTES));
	return toBase64url(bytes);
}

export async function hashOpaqueToken(token: string): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
	return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
