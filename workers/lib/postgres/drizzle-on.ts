// A drizzle handle on a connected client, without re-reading the schema each time. drizzle()
// extracts the relational config of every table in the schema on each call (and makes a new
// dialect): 3-4 % of a read's CPU in the Worker's profile (docs/benchmarks.md, "CPU per request"),
// paid for every statement of every request. Here the config and dialect are made once per isolate
// and each handle is only a session around the request's client, as drizzle's own construct() does.
import {
	createTableRelationsHelpers,
	type ExtractTablesWithRelations,
	extractTablesRelationalConfig,
	type RelationalSchemaConfig,
} from "drizzle-orm";
import { type NodePgClient, NodePgDatabase, NodePgSession } from "drizzle-orm/node-postgres";
import { PgDialect } from "drizzle-orm/pg-core";
import * as schema from "./schema";

export type Db = NodePgDatabase<typeof schema>;

const tables = extractTablesRelationalConfig<ExtractTablesWithRelations<typeof schema>>(schema, createTableRelationsHelpers);
const relational: RelationalSchemaConfig<ExtractTablesWithRelations<typeof schema>> = {
	fullSchema: schema,
	schema: tables.tables,
	tableNamesMap: tables.tableNamesMap,
};
const dialect = new PgDialect();

/** The drizzle handle for `client` (relational queries included), as drizzle(client, { schema }) makes it. */
export const drizzleOn = (client: NodePgClient): Db =>
	new NodePgDatabase(dialect, new NodePgSession(client, dialect, relational, {}), relational);
