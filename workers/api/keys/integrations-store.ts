// An account's integrations, dropped whole: its API keys (each key's gate told first, while the
// rows are held, so a key being created meanwhile waits, then finds none) and its webhook endpoints
// with their deliveries. Account deletion and a reset that first proves the address both call it.
import { sql } from "drizzle-orm";
import { mapLimit } from "../../lib/async/map-limit";
import type { Db } from "../../lib/postgres/routed-database";

export async function dropIntegrations(tx: Db, env: Env, userId: string): Promise<void> {
	const u = sql`${userId}::uuid`;
	const { rows: keys } = await tx.execute<{ id: string }>(sql`SELECT id FROM api_keys WHERE user_id = ${u} FOR UPDATE`);
	const gate = env.API_KEY_GATE.getByName(userId);
	await mapLimit(keys, 4, (k) => gate.revoke(k.id));
	await tx.execute(sql`DELETE FROM api_keys WHERE user_id = ${u}`);
	await tx.execute(sql`DELETE FROM webhook_deliveries WHERE endpoint_id IN (SELECT id FROM webhook_endpoints WHERE user_id = ${u})`);
	await tx.execute(sql`DELETE FROM webhook_endpoints WHERE user_id = ${u}`);
}
