// The link to an export's archive, mailed and listed: it works without signing in (mail is read
// anywhere) for as long as the archive is kept, and for nothing else. An HMAC over the export's id
// and the link's expiry, with the media URL keys (cdn/signing/hmac-key-set.ts: rotation included).
import { hmacSign, hmacVerify } from "../../cdn/signing/hmac-key-set";
import { configOf } from "../../lib/config/config";

const message = (exportId: string, expires: number) => `export:${exportId}:${expires}`;

export async function exportDownloadUrl(env: Env, exportId: string, expiresAt: Date): Promise<string> {
	const expires = Math.floor(expiresAt.getTime() / 1000);
	const token = `${expires}.${await hmacSign(env.MEDIA_URL_KEYS, message(exportId, expires))}`;
	return `${configOf(env).APP_ORIGIN}/api/exports/${exportId}/archive?token=${encodeURIComponent(token)}`;
}

export async function verifyExportToken(env: Env, exportId: string, token: string, now = Date.now()): Promise<boolean> {
	const dot = token.indexOf(".");
	const expires = Number(token.slice(0, dot));
	if (dot <= 0 || !Number.isInteger(expires) || expires * 1000 < now) return false;
	return hmacVerify(env.MEDIA_URL_KEYS, message(exportId, expires), token.slice(dot + 1));
}
