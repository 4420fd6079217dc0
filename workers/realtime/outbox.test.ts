// The outbox's cron drain: a backlog left by an outage (every after-the-response
// delivery failed) clears in one run, batch after batch, not 50 rows a minute.
import { env } from "cloudflare:workers";
import { inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withDatabase } from "../lib/postgres/routed-database";
import { outbox } from "../lib/postgres/schema";
import { registerUser } from "../test-support/api";
import { drainOutbox, enqueueEvent } from "./outbox";

describe("drainOutbox from the cron", () => {
	it("delivers a backlog of more than one batch in one run, and each row once", async () => {
		const target = await registerUser();
		const ids = await withDatabase(env, (db) =>
			db.write((q) =>
				q.transaction(async (tx) => {
					const made: string[] = [];
					for (let i = 0; i < 120; i++) {
						made.push(
							await enqueueEvent(tx, {
								to: { userIds: [target.user.id] },
								type: "NEW_FOLLOWER",
								data: { followerId: crypto.randomUUID(), n: i },
							}),
						);
					}
					return made;
				}),
			),
		);
		expect(await drainOutbox(env)).toBeGreaterThanOrEqual(120);
		const left = await withDatabase(env, (db) =>
			db.write((q) => q.select({ n: sql<number>`count(*)::int` }).from(outbox).where(inArray(outbox.id, ids))),
		);
		expect(left[0]?.n).toBe(0);
		// The inbox holds each event once.
		const inbox = await withDatabase(env, (db) =>
			db.write((q) => q.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM notifications WHERE user_id = ${target.user.id}`)),
		);
		expect(inbox.rows[0]?.n).toBe(120);
	});
});
