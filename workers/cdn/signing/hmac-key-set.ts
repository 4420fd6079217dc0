// A rotating set of HMAC-SHA256 keys from a secret holding a JSON object
// { "<kid>": "<secret>" }: the first signs, all verify, so rotation is
// add-then-remove. Used by signed image URLs (IMAGE_URL_KEYS) and signed media
// URLs (MEDIA_URL_KEYS); imported once per isolate and secret value.
import { z } from "zod";
import { fromBase64url, toBase64url } from "../../lib/encoding/base64url";

const KeysSchema = z.record(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), z.string().min(32));
const imported = new Map<string, Promise<Map<string, CryptoKey>>>();

function keysOf(secret: string): Promise<Map<string, CryptoKey>> {
	let keys = imported.get(secret);
	if (!keys) {
		keys = (async () => {
			const map = new Map<string, CryptoKey>();
			for (const [kid, value] of Object.entries(KeysSchema.parse(JSON.parse(secret)))) {
				const raw = new TextEncoder().encode(value);
				map.set(kid, await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]));
			}
			return map;
		})();
		imported.set(secret, keys);
	}
	return keys;
}

/** `<kid>.<base64url mac>` of `message` under the first key of `secret`. */
export async function hmacSign(secret: string, message: string): Promise<string> {
	const [entry] = await keysOf(secret);
	if (!entry) throw new Error("the key set is empty");
	const mac = new Uint8Array(await crypto.subtle.sign("HMAC", entry[1], new TextEncoder().encode(message)));
	return `${entry[0]}.${toBase64url(mac)}`;
}

/** A base64url HMAC-SHA-256 in its one canonical spelling (the last character's two spare bits zero). */
const CANONICAL_MAC = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/** Constant-time check of a `<kid>.<mac>` signature against the key its kid names. */
export async function hmacVerify(secret: string, message: string, signature: string): Promise<boolean> {
	const [kid, mac, extra] = signature.split(".");
	const key = kid ? (await keysOf(secret)).get(kid) : undefined;
	// 43 characters carry 256 bits and 2 spare ones, which must be zero: otherwise four spellings of
	// one MAC would verify, and a "forged" URL that only flips spare bits would open the file.
	if (!key || !mac || extra !== undefined || !CANONICAL_MAC.test(mac)) return false;
	return crypto.subtle.verify("HMAC", key, fromBase64url(mac), new TextEncoder().encode(message));
}
