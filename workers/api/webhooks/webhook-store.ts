// Webhook endpoints and their deliveries in Postgres. An endpoint is its account's, or with no
// account a platform-wide one, which only admins see and change. Written and read on the primary:
// an endpoint is managed right after it is made, and delivery state moves under the queue.
import { and, desc, eq, isNull, ne, sql } from "drizzle-orm";
import { uuidv7 } from "../../lib/ids/uuidv7";
import type { RoutedDatabase } from "../../lib/postgres/routed-database";
import { webhookDeliveries, webhookEndpoints } from "../../lib/postgres/schema";
import { HttpProblem } from "../../lib/problems/http-problem";

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** Endpoints one account (or the platform) may have: each event costs a delivery per endpoint. */
export const MAX_ENDPOINTS = 10;
/** How long a rotated-out secret keeps signing beside the new one. */
export const SECRET_GRACE_HOURS = 24;

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
export const newSecret = () => `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(24))))}`;

export const endpointNotFound = () => new HttpProblem(404, "webhook_not_found", "No webhook endpoint of yours with that id.");

/** Whose endpoints a caller manages: their own, or (an admin asking for them) the platform's. */
export interface Owner {
	userId: string;
	platform: boolean;
}

const ownedBy = (owner: Owner) => (owner.platform ? isNull(webhookEndpoints.userId) : eq(webhookEndpoints.userId, owner.userId));

export async function endpointsOf(db: RoutedDatabase, owner: Owner): Promise<EndpointRow[]> {
	return db.readFromPrimary((q) => q.select().from(webhookEndpoints).where(ownedBy(owner)).orderBy(webhookEndpoints.createdAt));
}

/** Endpoint `id` as `viewer` may manage it: theirs, or a platform-wide one for an admin; 404 otherwise. */
export async function endpointFor(db: RoutedDatabase, id: string, viewer: { userId: string; admin: boolean }): Promise<EndpointRow> {
	const [row] = await db.readFromPrimary((q) => q.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).limit(1));
	if (!row || !(row.userId === viewer.userId || (row.userId === null && viewer.admin))) throw endpointNotFound();
	return row;
}

export async function insertEndpoint(
	db: RoutedDatabase,
	owner: Owner,
	e: { url: string; events: string[]; description: string },
): Promise<EndpointRow> {
	return db.write((q) =>
		q.transaction(async (tx) => {
			// One at a time per owner, so two racing creations cannot both pass the cap.
			await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`webhooks:${owner.platform ? "platform" : owner.userId}`}))`);
			const [n] = await tx.select({ n: sql<number>`count(*)::int` }).from(webhookEndpoints).where(ownedBy(owner));
			if ((n?.n ?? 0) >= MAX_ENDPOINTS) {
				throw new HttpProblem(409, "too_many_webhooks", `At most ${MAX_ENDPOINTS} webhook endpoints; delete one first.`);
			}
			const [row] = await tx
				.insert(webhookEndpoints)
				.values({ id: uuidv7(), userId: owner.platform ? null : owner.userId, ...e, secret: newSecret() })
				.returning();
			if (!row) throw new Error("insert returned no row");
			return row;
		}),
	);
}

export async function updateEndpoint(
	db: RoutedDatabase,
	id: string,
	change: { url?: string; events?: string[]; description?: string; enabled?: boolean },
): Promise<EndpointRow> {
	const { enabled, ...fields } = change;
	const [row] = await db.write((q) =>
		q
			.update(webhookEndpoints)
			.set({
				...fields,
				...(enabled === true ? { disabledAt: null, failingSince: null } : {}),
				...(enabled === false ? { disabledAt: sql`now()` } : {}),
				updatedAt: sql`now()`,
			})
			.where(eq(webhookEndpoints.id, id))
			.returning(),
	);
	if (!row) throw endpointNotFound();
	return row;
}

export async function deleteEndpoint(db: RoutedDatabase, id: string): Promise<void> {
	await db.write((q) => q.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)));
}

/** A new secret; the old one keeps signing beside it for SECRET_GRACE_HOURS. */
export async function rotateSecret(db: RoutedDatabase, id: string): Promise<EndpointRow> {
	const [row] = await db.write((q) =>
		q
			.update(webhookEndpoints)
			.set({
				previousSecret: sql`${webhookEndpoints.secret}`,
				previousSecretUntil: sql`now() + make_interval(hours => ${SECRET_GRACE_HOURS})`,
				secret: newSecret(),
				updatedAt: sql`now()`,
			})
			.where(eq(webhookEndpoints.id, id))
			.returning(),
	);
	if (!row) throw endpointNotFound();
	return row;
}

export async function deliveriesOf(db: RoutedDatabase, endpointId: string, limit: number): Promise<DeliveryRow[]> {
	return db.readFromPrimary((q) =>
		q
			.select()
			.from(webhookDeliveries)
			.where(eq(webhookDeliveries.endpointId, endpointId))
			.orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
			.limit(limit),
	);
}

/**
 * A replay: the same event (same `webhook-id`, same body) sent again, with a fresh retry schedule.
 * Only of a delivery that is over (succeeded or failed): one still pending is already on its way,
 * and a second chain of attempts beside it would send it twice as often (409).
 */
export async function replayDelivery(db: RoutedDatabase, endpointId: string, deliveryId: string): Promise<DeliveryRow> {
	const [row] = await db.write((q) =>
		q
			.update(webhookDeliveries)
			.set({ status: "pending", attempts: 0, nextAttemptAt: sql`now()`, updatedAt: sql`now()` })
			.where(
				and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId), ne(webhookDeliveries.status, "pending")),
			)
			.returning(),
	);
	if (row) return row;
	const [pending] = await db.readFromPrimary((q) =>
		q
			.select({ id: webhookDeliveries.id })
			.from(webhookDeliveries)
			.where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId)))
			.limit(1),
	);
	if (pending)
		throw new HttpProblem(409, "webhook_delivery_pending", "This delivery is still being sent; replay it once it has succeeded or failed.");
	throw new HttpProblem(404, "webhook_delivery_not_found", "No delivery with that id for this endpoint.");
}
