// HMAC-SHA256 signatures for image URLs with sizes outside the allow-list.
// Keys come from the IMAGE_URL_KEYS secret: a JSON object { "<kid>": "<secret>" };
// the first signs, all verify, so rotation is add-then-remove. A signature reads
// `<kid>.<base64url hmac>` and covers the normalised options and the key.
import { z } from "zod";
import { fromBase64url, toBase64url } from "../lib/encoding/base64url";

const KeysSchema = z.record(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), z.string().min(32));
const imported = new Map<string, Promise<Map<string, CryptoKey>>>();

function keysOf(env: Env): Promise<Map<string, CryptoKey>> {
	const secret = env.IMAGE_URL_KEYS;
	let keys = imported.get(secret);
	if (!keys) {
		keys = (async () => {
			const parsed = KeysSchema.parse(JSON.parse(secret));
			const map = new Map<string, CryptoKey>();
			for (const [kid, value] of Object.entries(parsed)) {
				map.set(
					kid,
					await crypto.subtle.importKey("raw", new TextEncoder().encode(value), { name: "HMAC", hash: "SHA-256" }, false, [
						"sign",
						"verify",
					]),
				);
			}
			return map;
		})();
		imported.set(secret, keys);
	}
	return keys;
}

const message = (normalizedOptions: string, key: string) => new TextEncoder().encode(`img:${normalizedOptions}/${key}`);

/** `<kid>.<mac>` for the current (first) key. */
export async function signImageUrl(env: Env, normalizedOptions: string, key: string): Promise<string> {
	const [entry] = await keysOf(env);
	if (!entry) throw new Error("IMAGE_URL_KEYS has no key");
	const mac = new Uint8Array(await crypto.subtle.sign("HMAC", entry[1], message(normalizedOptions, key)));
	return `${entry[0]}.${toBase64url(mac)}`;
}

/** Constant-time check against the key named by the signature's kid. */
export async function verifyImageUrl(env: Env, normalizedOptions: string, key: string, signature: string): Promise<boolean> {
	const [kid, mac] = signature.split(".");
	const cryptoKey = kid ? (await keysOf(env)).get(kid) : undefined;
	if (!cryptoKey || !mac || !/^[A-Za-z0-9_-]{43}$/.test(mac)) return false;
	return crypto.subtle.verify("HMAC", cryptoKey, fromBase64url(mac), message(normalizedOptions, key));
}
