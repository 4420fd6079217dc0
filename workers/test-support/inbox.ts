import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { withDatabase } from "../lib/postgres/routed-database";
import { notifications } from "../lib/postgres/schema";

/** The events of one type stored for a user (what publish() wrote), read on the primary. */
export const inboxOf = (userId: string, type: string) =>
	withDatabase(env, (db) =>
		db.readFromPrimary((q) =>
			q
				.select()
				.from(notifications)
				.where(and(eq(notifications.userId, userId), eq(notifications.type, type))),
		),
	);
