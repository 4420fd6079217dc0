// API keys (`Authorization: Bearer rk_…`): a team's server acting as one account, within the
// scopes the key was given and never for the account itself (its sessions, password, profile,
// keys). A key is shown once and stored only as its SHA-256; it is admitted by its own gate
// (durable-objects/api-key-gate.ts), so a request with a key needs no database, and a revocation
// holds from the next request.
import { z } from "zod";
import { toBase64url } from "../encoding/base64url";
import { hashOpaqueToken } from "./opaque-token";

/**
 * What a key may do. `reels:read` reads as its owner (their own unlisted and private reels
 * included). `webhooks:write` manages the owner's webhook endpoints. `analytics:read` reads the
 * owner's playback analytics (a reel's, and the account's totals).
 */
export const API_SCOPES = [
	"videos:read",
	"videos:write",
	"reels:read",
	"reels:write",
	"live:write",
	"analytics:read",
	"webhooks:write",
] as const;
export type ApiScope = (typeof API_SCOPES)[number];
export const ApiScopeSchema = z.enum(API_SCOPES);

/**
 * `rk_` + the key's id and its owner's id (32 hex digits each: uuids without their dashes) + `_` +
 * 32 random bytes (base64url). The owner's id names the gate that admits it, so a request with a
 * key needs no lookup to find it.
 */
const KEY_SHAPE = /^rk_([0-9a-f]{32})([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

/** Whether a bearer token is meant as an API key (then it is one, or it is refused: never a JWT). */
export const isApiKey = (token: string) => token.startsWith("rk_");

const hex = (uuid: string) => uuid.replaceAll("-", "");
const uuidOf = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;

/** A new key of `ownerId`: its id (a uuid) and the whole key, which is shown to its owner once. */
export function mintApiKey(ownerId: string): { id: string; key: string } {
	const id = crypto.randomUUID();
	const secret = toBase64url(crypto.getRandomValues(new Uint8Array(32)));
	return { id, key: `rk_${hex(id)}${hex(ownerId)}_${secret}` };
}

/** The key's id and its owner's (uuids), or null when the token is not shaped like a key. */
export function parseApiKey(key: string): { id: string; ownerId: string } | null {
	const m = KEY_SHAPE.exec(key);
	return m?.[1] && m[2] ? { id: uuidOf(m[1]), ownerId: uuidOf(m[2]) } : null;
}

/** What is stored and compared: the key's SHA-256 (hex). The secret is 32 random bytes, so a fast hash is enough. */
export const hashApiKey = hashOpaqueToken;

/** What lists show of a key, enough to recognise it: `rk_` and the first 8 digits of its id. */
export const apiKeyPrefix = (id: string) => `rk_${hex(id).slice(0, 8)}`;

const ID = "[^/]+";
/**
 * The scope each operation a key may reach needs, by method and path. Anything not listed, every
 * account and key operation among it, is refused to a key (403 insufficient_scope): a new route is
 * closed to keys until it is listed here.
 */
const RULES: readonly { methods: readonly string[]; path: RegExp; scope: ApiScope }[] = [
	{ methods: ["GET"], path: new RegExp(`^/api/videos/${ID}/status$`), scope: "videos:read" },
	{ methods: ["GET"], path: /^\/api\/users\/me\/storage$/, scope: "videos:read" },
	{ methods: ["GET"], path: new RegExp(`^/api/videos/${ID}/captions$`), scope: "videos:read" },
	{ methods: ["PUT", "DELETE"], path: new RegExp(`^/api/videos/${ID}/captions/${ID}$`), scope: "videos:write" },
	{ methods: ["PUT"], path: new RegExp(`^/api/videos/${ID}/poster$`), scope: "videos:write" },
	{ methods: ["POST"], path: new RegExp(`^/api/videos/${ID}/clip$`), scope: "videos:write" },
	{ methods: ["POST"], path: /^\/api\/videos\/upload$/, scope: "videos:write" },
	{ methods: ["POST"], path: /^\/api\/videos\/direct-upload$/, scope: "videos:write" },
	{ methods: ["POST"], path: /^\/api\/videos\/copy$/, scope: "videos:write" },
	{ methods: ["POST"], path: /^\/cdn\/upload$/, scope: "videos:write" },
	{ methods: ["POST", "HEAD", "PATCH", "DELETE"], path: new RegExp(`^/api/uploads/tus(/${ID})?$`), scope: "videos:write" },
	{ methods: ["DELETE"], path: new RegExp(`^/api/assets/${ID}$`), scope: "videos:write" },
	{ methods: ["GET"], path: /^\/api\/(reels|feed|feed\/for-you|search)$/, scope: "reels:read" },
	{ methods: ["GET"], path: new RegExp(`^/api/reels/${ID}/analytics$`), scope: "analytics:read" },
	{ methods: ["GET"], path: /^\/api\/users\/me\/analytics$/, scope: "analytics:read" },
	{ methods: ["GET"], path: new RegExp(`^/api/reels/${ID}(/comments)?$`), scope: "reels:read" },
	{ methods: ["GET"], path: new RegExp(`^/api/comments/${ID}/replies$`), scope: "reels:read" },
	{ methods: ["GET"], path: new RegExp(`^/api/hashtags/${ID}/reels$`), scope: "reels:read" },
	{ methods: ["GET"], path: new RegExp(`^/api/users/by-handle/${ID}$`), scope: "reels:read" },
	// Another account's profile and reels; never /api/users/me and what is under it.
	{ methods: ["GET"], path: new RegExp(`^/api/users/(?!me(/|$))${ID}(/reels)?$`), scope: "reels:read" },
	{ methods: ["POST"], path: /^\/api\/reels$/, scope: "reels:write" },
	{ methods: ["PATCH", "DELETE"], path: new RegExp(`^/api/reels/${ID}$`), scope: "reels:write" },
	{ methods: ["POST", "GET"], path: /^\/api\/live$/, scope: "live:write" },
	{ methods: ["POST", "GET"], path: /^\/api\/webhooks$/, scope: "webhooks:write" },
	{ methods: ["GET", "PATCH", "DELETE"], path: new RegExp(`^/api/webhooks/${ID}$`), scope: "webhooks:write" },
	{ methods: ["POST"], path: new RegExp(`^/api/webhooks/${ID}/secret$`), scope: "webhooks:write" },
	{ methods: ["GET"], path: new RegExp(`^/api/webhooks/${ID}/deliveries$`), scope: "webhooks:write" },
	{ methods: ["POST"], path: new RegExp(`^/api/webhooks/${ID}/deliveries/${ID}/retry$`), scope: "webhooks:write" },
	{ methods: ["GET"], path: new RegExp(`^/api/live/${ID}$`), scope: "live:write" },
	{ methods: ["POST"], path: new RegExp(`^/api/live/${ID}/key$`), scope: "live:write" },
];

/** The scope a key needs for `method` on `path`, or null when no key may do it. */
export function scopeFor(method: string, path: string): ApiScope | null {
	const m = method === "HEAD" && !path.startsWith("/api/uploads/tus") ? "GET" : method;
	return RULES.find((r) => r.methods.includes(m) && r.path.test(path))?.scope ?? null;
}
