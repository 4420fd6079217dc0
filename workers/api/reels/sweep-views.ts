import { sql } from "drizzle-orm";
import { withDatabase } from "../../lib/postgres/routed-database";

/** View dedupe rows only matter for their hour; older ones (and their hashed addresses) go. */
export async function sweepViews(env: Env): Promise<number> {
	const { rowCount } = await withDatabase(env, (db) =>
		db.write((q) => q.execute(sql`DELETE FROM reel_views WHERE hour < date_trunc('hour', now()) - interval '1 hour'`)),
	);
	return rowCount ?? 0;
}
