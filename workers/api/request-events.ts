import type { RoutedDatabase } from "../lib/postgres/routed-database";
import type { EventContext } from "../realtime/outbox";

/** A request's EventContext: its database, and delivery after the response (`waitUntil`). */
export const requestEvents = (c: {
	var: { db: RoutedDatabase };
	env: Env;
	executionCtx: { waitUntil(promise: Promise<unknown>): void };
}): EventContext => ({
	db: c.var.db,
	env: c.env,
	defer: (delivery) => c.executionCtx.waitUntil(delivery),
});
