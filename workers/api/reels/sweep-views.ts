import { sql } from "drizzle-orm";
import { RoutedDatabase } from "../../lib/postgres/routed-database";

/** View dedupe rows only matter for their hour; older ones (and their hashed addresses) go. */
export async function sweepViews(env: Env): Promise<number> {
	const db = new RoutedDatabase(env);
	try {
		const { rowCount } = await db.write((q) =>
			q.execute(sql`DELETE FROM reel_views WHERE hour < date_trunc('hour', now()) - interval '1 hour'`),
		);
		return rowCount ?? 0;
	} finally {
		await db.close();
	}
}
