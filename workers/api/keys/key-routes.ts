// API keys for the developers who build on the platform: created, listed and revoked by a signed-in
// person (never by a key: api-keys.ts lists no scope for these routes). The key is shown once.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { API_SCOPES, ApiScopeSchema, apiKeyPrefix, hashApiKey, mintApiKey } from "../../lib/auth/api-keys";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { checkCurrentPassword } from "../auth/current-password";
import { type ApiKeyRow, apiKeysOf, dropApiKey, insertApiKey, MAX_API_KEYS_PER_USER, revokeApiKey } from "./key-store";

/** The longest a key may live; without `expiresAt` it lives until revoked. */
const MAX_KEY_LIFETIME_DAYS = 366;

const CreateKeySchema = z
	.strictObject({
		password: z
			.string()
			.min(1)
			.max(128)
			.openapi({ description: "Your password again: a stolen access token alone cannot mint a key that outlives its session" }),
		name: z.string().trim().min(1).max(64).openapi({ example: "CI uploader" }),
		scopes: z
			.array(ApiScopeSchema)
			.min(1)
			.max(API_SCOPES.length)
			.refine((s) => new Set(s).size === s.length, "Name each scope once.")
			.openapi({ example: ["videos:write", "reels:write"] }),
		expiresAt: z.iso
			.datetime({ offset: true })
			.optional()
			.refine((at) => at === undefined || Date.parse(at) > Date.now(), "expiresAt must be in the future.")
			.refine(
				(at) => at === undefined || Date.parse(at) <= Date.now() + MAX_KEY_LIFETIME_DAYS * 86_400_000,
				`A key lives at most ${MAX_KEY_LIFETIME_DAYS} days.`,
			)
			.openapi({ description: "When the key stops working; without it, it works until revoked" }),
	})
	.openapi("CreateApiKeyRequest");

const ApiKeySchema = z
	.object({
		id: z.uuid(),
		name: z.string(),
		prefix: z.string().openapi({ description: "The key's first characters, to recognise it", example: "rk_0190f1c4" }),
		scopes: z.array(ApiScopeSchema),
		expiresAt: z.string().nullable().openapi({ format: "date-time" }),
		createdAt: z.string().openapi({ format: "date-time" }),
		lastUsedAt: z.string().nullable().openapi({ format: "date-time", description: "When a request last presented it" }),
	})
	.openapi("ApiKey");

const CreatedKeySchema = ApiKeySchema.extend({
	key: z.string().openapi({ description: "The key itself: shown this once, stored only as a hash", example: "rk_…" }),
}).openapi("CreatedApiKey");

const KeyIdParam = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });

const create = apiRoute({
	method: "post",
	path: "/api/keys",
	tags: ["keys"],
	summary: "Create an API key (shown once) with the scopes it may use",
	description: `\`Authorization: Bearer rk_…\` then acts as you within the key's scopes, never on your account or its keys. Needs your password again (403 \`wrong_password\`, throttled as sign-ins are). At most ${MAX_API_KEYS_PER_USER} unexpired keys per account; all of them share one hourly quota.`,
	...signedIn(jsonBody()),
	request: { body: { required: true, ...jsonContent(CreateKeySchema) } },
	responses: {
		201: { description: "Created", ...jsonContent(CreatedKeySchema) },
		...problemResponses(400, 401, 403, 404, 409, 413, 415, 429),
	},
});

const list = apiRoute({
	method: "get",
	path: "/api/keys",
	tags: ["keys"],
	summary: "Your API keys (never the keys themselves)",
	...signedIn(),
	responses: {
		200: { description: "Your keys, newest first", ...jsonContent(z.object({ items: z.array(ApiKeySchema) }).openapi("ApiKeyList")) },
		...problemResponses(401, 403, 429),
	},
});

const revoke = apiRoute({
	method: "delete",
	path: "/api/keys/{id}",
	tags: ["keys"],
	summary: "Revoke an API key: refused from the next request on",
	...signedIn(),
	request: { params: KeyIdParam },
	responses: { 204: { description: "Revoked" }, ...problemResponses(401, 403, 404, 429) },
});

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function toApiKey(row: ApiKeyRow, lastUsedAt: number | null) {
	return {
		id: row.id,
		name: row.name,
		prefix: apiKeyPrefix(row.id),
		scopes: row.scopes,
		expiresAt: iso(row.expires_at),
		createdAt: iso(row.created_at) as string,
		lastUsedAt: lastUsedAt === null ? null : new Date(lastUsedAt).toISOString(),
	};
}

export const keyRoutes = new OpenAPIHono<AppEnv>()
	.openapi(create, async (c) => {
		const { password, name, scopes, expiresAt } = c.req.valid("json");
		const userId = c.var.auth.sub;
		await checkCurrentPassword(c.var.db, c.env, userId, password);
		const { id, key } = mintApiKey(userId);
		const hash = await hashApiKey(key);
		const row = await insertApiKey(c.var.db, { id, userId, name, hash, scopes, expiresAt: expiresAt ? new Date(expiresAt) : null });
		let installed = false;
		try {
			c.var.cost.durableObjects++;
			installed = await c.env.API_KEY_GATE.getByName(userId).install(id, {
				hash,
				scopes,
				expiresAtMs: expiresAt ? Date.parse(expiresAt) : null,
			});
		} finally {
			// A key its gate does not know would be listed but never work: it goes, and the caller may try again.
			if (!installed) await dropApiKey(c.var.db, id);
		}
		if (!installed) throw new HttpProblem(404, "api_key_not_found", "The key was revoked while it was being created.");
		// The key itself is in this answer alone: no cache may keep it.
		c.header("cache-control", "no-store");
		return c.json({ ...toApiKey(row, null), key }, 201);
	})
	.openapi(list, async (c) => {
		const rows = await apiKeysOf(c.var.db, c.var.auth.sub);
		c.var.cost.durableObjects++;
		// Last use is the gate's to know; without it the list still answers, with nulls.
		const used = await c.env.API_KEY_GATE.getByName(c.var.auth.sub)
			.lastUsed(rows.map((r) => r.id))
			.catch(() => rows.map(() => null));
		return c.json({ items: rows.map((r, i) => toApiKey(r, used[i] ?? null)) }, 200);
	})
	.openapi(revoke, async (c) => {
		const { id } = c.req.valid("param");
		const revoked = await revokeApiKey(c.var.db, c.var.auth.sub, id, async () => {
			c.var.cost.durableObjects++;
			await c.env.API_KEY_GATE.getByName(c.var.auth.sub).revoke(id);
		});
		if (!revoked) throw new HttpProblem(404, "api_key_not_found", "You hold no API key with that id.");
		return c.body(null, 204);
	});
