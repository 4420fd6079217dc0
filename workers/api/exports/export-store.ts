// data_exports rows: asking for one (at most one a day), listing, reading one, and forgetting
// those past their days (with their archives).
import { and, desc, eq, gt, inArray, lt, or, sql } from "drizzle-orm";
import { uuidv7 } from "../../lib/ids/uuidv7";
import { type RoutedDatabase, withDatabase } from "../../lib/postgres/routed-database";
import { dataExports } from "../../lib/postgres/schema";
import { HttpProblem } from "../../lib/problems/http-problem";

export type ExportRow = typeof dataExports.$inferSelect;

/** One export a day: each reads every row of the account, so more would let an account cost the database at will. */
export const EXPORT_EVERY_HOURS = 24;

export async function requestExport(db: RoutedDatabase, userId: string): Promise<ExportRow> {
	return db.write((q) =>
		q.transaction(async (tx) => {
			// Serialises two requests of one account, so both cannot pass the check below.
			await tx.execute(sqlLock(userId));
			const since = new Date(Date.now() - EXPORT_EVERY_HOURS * 3_600_000);
			const [recent] = await tx
				.select({ createdAt: dataExports.createdAt })
				.from(dataExports)
				.where(and(eq(dataExports.userId, userId), gt(dataExports.createdAt, since), inArray(dataExports.status, ["pending", "ready"])))
				.orderBy(desc(dataExports.createdAt))
				.limit(1);
			if (recent) {
				const wait = Math.ceil((recent.createdAt.getTime() + EXPORT_EVERY_HOURS * 3_600_000 - Date.now()) / 1000);
				throw new HttpProblem(
					429,
					"rate_limited",
					`One export a day: your last one is listed in Settings (a new one from ${new Date(Date.now() + wait * 1000).toISOString()}).`,
					{},
					{ "retry-after": String(Math.max(1, wait)) },
				);
			}
			const [row] = await tx.insert(dataExports).values({ id: uuidv7(), userId }).returning();
			if (!row) throw new Error("insert returned no row");
			return row;
		}),
	);
}

const sqlLock = (userId: string) => sql`SELECT pg_advisory_xact_lock(hashtextextended(${`export:${userId}`}, 0))`;

export async function failExport(db: RoutedDatabase, id: string): Promise<void> {
	await db.write((q) => q.update(dataExports).set({ status: "failed" }).where(eq(dataExports.id, id)));
}

export async function exportsOf(db: RoutedDatabase, userId: string): Promise<ExportRow[]> {
	return db.read((q) => q.select().from(dataExports).where(eq(dataExports.userId, userId)).orderBy(desc(dataExports.createdAt)).limit(10));
}

export async function exportById(db: RoutedDatabase, id: string): Promise<ExportRow | undefined> {
	const [row] = await db.readFromPrimary((q) => q.select().from(dataExports).where(eq(dataExports.id, id)).limit(1));
	return row;
}

/** Hourly: archives past their days are deleted, and their rows; failed ones a day on. */
export async function sweepExports(env: Env): Promise<number> {
	return withDatabase(env, async (db) => {
		const old = await db.readFromPrimary((q) =>
			q
				.select({ id: dataExports.id, r2Key: dataExports.r2Key })
				.from(dataExports)
				.where(
					or(
						lt(dataExports.expiresAt, new Date()),
						and(eq(dataExports.status, "failed"), lt(dataExports.createdAt, new Date(Date.now() - EXPORT_EVERY_HOURS * 3_600_000))),
					),
				)
				.limit(100),
		);
		for (const e of old) {
			if (e.r2Key) await env.MEDIA.delete(e.r2Key);
			await db.write((q) => q.delete(dataExports).where(eq(dataExports.id, e.id)));
		}
		return old.length;
	});
}
