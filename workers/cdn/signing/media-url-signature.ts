// Signed media URLs, the way Cloudflare Stream and Mux sign playback: an HMAC
// over what the URL may reach and until when, in the path, so that an HLS or
// DASH manifest's relative URLs (segments, playlists, storyboard tiles) carry
// the same token without being rewritten:
//
//   /cdn/s/<expires>.<kid>.<mac>/2026/11/23/<uuid>/hls/master.m3u8
//
// The scope is one asset's derived files (`YYYY/MM/DD/<uuid>/`, what players
// need) or one original (`YYYY/MM/DD/<uuid>.mp4`, for its owner and admins), so a
// playback token never opens the original. Keys: MEDIA_URL_KEYS (hmac-key-set.ts).
import { configOf } from "../../lib/config/config";
import { hmacSign, hmacVerify } from "./hmac-key-set";

export const SIGNED_PREFIX = "/cdn/s/";
/** Expiries are rounded up to this step, so repeated API answers hand out the same URL (browsers can cache it). */
const EXPIRY_STEP_S = 300;

/** What a token for `key` must cover: the asset's derived-file folder, or the original itself. */
export function signingScopeOf(key: string): string {
	const uuidEnd = key.indexOf("/", 11); // `YYYY/MM/DD/` is 11 characters; a derived file has a folder after the uuid
	return uuidEnd === -1 ? key : key.slice(0, uuidEnd + 1);
}

const message = (scope: string, expires: number) => `media:${scope}:${expires}`;

/** A signed URL for `key`, valid for at least `ttlSeconds`. */
export async function signedMediaUrl(env: Env, key: string, ttlSeconds: number, now = Date.now()): Promise<string> {
	const expires = Math.ceil((now / 1000 + ttlSeconds) / EXPIRY_STEP_S) * EXPIRY_STEP_S;
	const signature = await hmacSign(env.MEDIA_URL_KEYS, message(signingScopeOf(key), expires));
	return `${SIGNED_PREFIX}${expires}.${signature}/${key}`;
}

/** `/cdn/<key>` → its signed form; other URLs (null, already signed) pass unchanged. */
export async function signCdnUrl(env: Env, url: string | null, ttlSeconds: number): Promise<string | null> {
	if (!url?.startsWith("/cdn/") || url.startsWith(SIGNED_PREFIX)) return url;
	return signedMediaUrl(env, url.slice("/cdn/".length), ttlSeconds);
}

/** True when `token` (`<expires>.<kid>.<mac>`) is unexpired and covers `key`. */
export async function verifyMediaToken(env: Env, token: string, key: string, now = Date.now()): Promise<boolean> {
	const dot = token.indexOf(".");
	const expires = Number(token.slice(0, dot));
	if (dot <= 0 || !Number.isInteger(expires) || expires * 1000 < now) return false;
	return hmacVerify(env.MEDIA_URL_KEYS, message(signingScopeOf(key), expires), token.slice(dot + 1));
}

/** The playback URL fields a reel and a video status both carry. */
export const PLAYBACK_URL_FIELDS = ["hls", "dash", "thumbnail", "poster", "storyboard", "preview"] as const;
type PlaybackUrls = Record<(typeof PLAYBACK_URL_FIELDS)[number], string | null> & { captions?: { url: string }[] };

/** `urls` with every playback URL field and caption track signed (MEDIA_URL_TTL_SECONDS); other fields as they were. */
export async function signPlaybackUrls<T extends PlaybackUrls>(env: Env, urls: T): Promise<T> {
	const ttl = configOf(env).MEDIA_URL_TTL_SECONDS;
	const [signed, captions] = await Promise.all([
		Promise.all(PLAYBACK_URL_FIELDS.map((f) => signCdnUrl(env, urls[f], ttl))),
		urls.captions && Promise.all(urls.captions.map(async (t) => ({ ...t, url: (await signCdnUrl(env, t.url, ttl)) ?? t.url }))),
	]);
	return {
		...urls,
		...Object.fromEntries(PLAYBACK_URL_FIELDS.map((f, i) => [f, signed[i] ?? null])),
		...(captions ? { captions } : {}),
	};
}
