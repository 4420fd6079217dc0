// HMAC-SHA256 signatures for image URLs with sizes outside the allow-list.
// Keys come from the IMAGE_URL_KEYS secret (hmac-key-set.ts). A signature reads
// `<kid>.<base64url hmac>` and covers the normalised options and the key.
import { hmacSign, hmacVerify } from "./hmac-key-set";

const message = (normalizedOptions: string, key: string) => `img:${normalizedOptions}/${key}`;

/** `<kid>.<mac>` for the current (first) key. */
export const signImageUrl = (env: Env, normalizedOptions: string, key: string): Promise<string> =>
	hmacSign(env.IMAGE_URL_KEYS, message(normalizedOptions, key));

/** Constant-time check against the key named by the signature's kid. */
export const verifyImageUrl = (env: Env, normalizedOptions: string, key: string, signature: string): Promise<boolean> =>
	hmacVerify(env.IMAGE_URL_KEYS, message(normalizedOptions, key), signature);
