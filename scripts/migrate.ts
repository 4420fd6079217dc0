// Applies migrations/postgres/ to a primary (drizzle's migrator keeps a
// journal table, so reruns are no-ops). The replica follows by streaming.
//   node scripts/migrate.ts                   the local dev cluster
//   DATABASE_URL=postgres://… npm run db:migrate   any primary (production)
import { resolve } from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { connectionUrls, devCluster } from "./postgres-cluster.ts";

export const POSTGRES_MIGRATIONS = resolve(import.meta.dirname, "../migrations/postgres");

export async function migratePostgres(connectionString: string): Promise<void> {
	const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 });
	await client.connect();
	try {
		await migrate(drizzle(client), { migrationsFolder: POSTGRES_MIGRATIONS });
	} finally {
		await client.end();
	}
}

if (import.meta.main) {
	migratePostgres(process.env.DATABASE_URL || connectionUrls(devCluster()).primaryUrl).then(
		() => console.log("postgres migrations applied"),
		(err: Error) => {
			console.error(`postgres migrations failed: ${err.message}`);
			process.exit(1);
		},
	);
}
