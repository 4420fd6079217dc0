// API keys in Postgres: their owner's list. The key itself is never stored, only its SHA-256 (kept
// here too, so a lost gate could be rebuilt from the rows); the owner's key gate
// (durable-objects/api-key-gate.ts) is what admits a request.
import { sql } from "drizzle-orm";
import type { ApiScope } from "../../lib/auth/api-keys";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { HttpProblem } from "../../lib/problems/http-problem";

/** Unexpired keys one account may hold at once: enough for an integration per environment, few enough to audit. */
export const MAX_API_KEYS_PER_USER = 20;

export type ApiKeyRow = {
	id: string;
	name: string;
	scopes: ApiScope[];
	expires_at: Date | null;
	created_at: Date;
};

/** Stores a new key of `userId`, unless they already hold MAX_API_KEYS_PER_USER (409); the count and the insert are one statement under the account's row lock. */
export async function insertApiKey(
	db: RoutedDatabase,
	key: { id: string; userId: string; name: string; hash: string; scopes: ApiScope[]; expiresAt: Date | null },
): Promise<ApiKeyRow> {
	const { rows } = await db.write((q) =>
		q.transaction(async (tx) => {
			// Two creations at once cannot both pass the count.
			await tx.execute(sql`SELECT 1 FROM users WHERE id = ${key.userId} FOR UPDATE`);
			return tx.execute<ApiKeyRow>(sql`
				INSERT INTO api_keys (id, user_id, name, key_hash, scopes, expires_at)
				SELECT ${key.id}, ${key.userId}, ${key.name}, ${key.hash}, ARRAY[${sql.join(
					key.scopes.map((scope) => sql`${scope}`),
					sql`, `,
				)}]::text[], ${key.expiresAt?.toISOString() ?? null}::timestamptz
				WHERE (SELECT count(*) FROM api_keys WHERE user_id = ${key.userId} AND (expires_at IS NULL OR expires_at > now())) < ${MAX_API_KEYS_PER_USER}
				RETURNING id, name, scopes, expires_at, created_at`);
		}),
	);
	const row = rows[0];
	if (!row) {
		throw new HttpProblem(409, "too_many_api_keys", `An account holds at most ${MAX_API_KEYS_PER_USER} API keys; revoke one first.`);
	}
	return row;
}

/** `userId`'s keys, newest first (where the routing reads: after a change, the caller's consistency token brings the primary). */
export async function apiKeysOf(db: RoutedDatabase, userId: string): Promise<ApiKeyRow[]> {
	const { rows } = await db.read((q) =>
		q.execute<ApiKeyRow>(sql`
			SELECT id, name, scopes, expires_at, created_at FROM api_keys
			WHERE user_id = ${userId} ORDER BY created_at DESC, id DESC LIMIT 100`),
	);
	return rows;
}

/**
 * Revokes `userId`'s key `id`: `tellGate` first (the key is refused from then on), then the row,
 * in one transaction holding the row, so a gate that cannot be told leaves the key listed (and
 * revocable) rather than usable and unlisted. False when they hold no such key.
 */
export async function revokeApiKey(db: RoutedDatabase, userId: string, id: string, tellGate: () => Promise<void>): Promise<boolean> {
	return db.write((q) =>
		q.transaction(async (tx) => {
			const { rows } = await tx.execute(sql`SELECT 1 FROM api_keys WHERE id = ${id} AND user_id = ${userId} FOR UPDATE`);
			if (!rows.length) return false;
			await tellGate();
			await tx.execute(sql`DELETE FROM api_keys WHERE id = ${id}`);
			return true;
		}),
	);
}

/** Forgets a key row created for a gate that could not be told (so nothing is listed that cannot be used or revoked). */
export async function dropApiKey(db: RoutedDatabase, id: string): Promise<void> {
	await db.write((q) => q.execute(sql`DELETE FROM api_keys WHERE id = ${id}`));
}
