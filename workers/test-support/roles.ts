import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import type { Role } from "../lib/auth/roles";
import { announceRole } from "../lib/auth/user-gate-client";
import { withDatabase } from "../lib/postgres/routed-database";
import { users } from "../lib/postgres/schema";

/**
 * Sets a user's role as the admin route does (Postgres, then the user's gate, so tokens already out
 * act with it at once); returns the consistency token that makes the change visible to the next request.
 */
export async function setRole(userId: string, role: Role): Promise<string> {
	const at = Date.now();
	const token = await withDatabase(env, async (db) => {
		await db.write((q) => q.update(users).set({ role }).where(eq(users.id, userId)));
		return (await db.consistencyToken()) ?? "";
	});
	await announceRole(env, userId, role, at);
	return token;
}

/** Makes an account look `hours` old (its created_at moved back): report weights depend on account age. */
export async function backdateAccount(userId: string, hours = 24 * 30): Promise<string> {
	return withDatabase(env, async (db) => {
		await db.write((q) =>
			q
				.update(users)
				.set({ createdAt: sql`now() - make_interval(hours => ${hours}::int)` })
				.where(eq(users.id, userId)),
		);
		return (await db.consistencyToken()) ?? "";
	});
}
