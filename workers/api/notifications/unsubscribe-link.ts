// The one-click way out of one kind of notification mail (RFC 8058): a link that names the
// account and the kind, signed so nobody can turn off someone else's mail, and never expiring (an
// unsubscribe link in an old mail must still work). The media URL keys sign it (rotation included).
import { hmacSign, hmacVerify } from "../../cdn/signing/hmac-key-set";
import { configOf } from "../../lib/config/config";

const message = (userId: string, type: string) => `unsubscribe:${userId}:${type}`;

/** `page`: the web app's page a person opens; `api`: what List-Unsubscribe-Post asks (one click, no page). */
export async function unsubscribeUrls(env: Env, userId: string, type: string): Promise<{ page: string; api: string }> {
	const query = new URLSearchParams({ u: userId, t: type, s: await hmacSign(env.MEDIA_URL_KEYS, message(userId, type)) });
	const origin = configOf(env).APP_ORIGIN;
	return { page: `${origin}/unsubscribe?${query}`, api: `${origin}/api/notifications/unsubscribe?${query}` };
}

export const verifyUnsubscribe = (env: Env, userId: string, type: string, signature: string) =>
	hmacVerify(env.MEDIA_URL_KEYS, message(userId, type), signature);
