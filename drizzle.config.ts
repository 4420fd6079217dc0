import { defineConfig } from "drizzle-kit";

// Postgres (social plane) migrations: `npm run db:generate` after editing the schema.
export default defineConfig({
	dialect: "postgresql",
	schema: "./workers/lib/postgres/schema.ts",
	out: "./migrations/postgres",
});
