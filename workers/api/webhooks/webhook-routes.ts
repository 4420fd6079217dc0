// Webhooks for the developers who build on the platform: endpoints an account (or, for admins,
// the platform) registers to hear of its videos and reels, signed by the Standard Webhooks
// specification, delivered at least once from a queue (workers/webhooks/), every attempt recorded
// and any delivery replayable. A key needs `webhooks:write`.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { apiRoute, signedIn } from "../../lib/app/api-route";
import type { AppEnv } from "../../lib/app/app-env";
import { isAdmin, type SignedInEnv } from "../../lib/auth/authenticate";
import { configOf } from "../../lib/config/config";
import { jsonBody } from "../../lib/http/json-body";
import { jsonContent } from "../../lib/http/json-content";
import { HttpProblem } from "../../lib/problems/http-problem";
import { problemResponses } from "../../lib/problems/problem-schema";
import { refusedUrl } from "../../webhooks/endpoint-policy";
import { WEBHOOK_EVENT_TYPES, type WebhookDeliveryJob } from "../../webhooks/webhook-events";
import {
	type DeliveryRow,
	deleteEndpoint,
	deliveriesOf,
	type EndpointRow,
	endpointFor,
	endpointsOf,
	insertEndpoint,
	MAX_ENDPOINTS,
	replayDelivery,
	rotateSecret,
	SECRET_GRACE_HOURS,
	updateEndpoint,
} from "./webhook-store";

const EventsSchema = z
	.array(z.enum(WEBHOOK_EVENT_TYPES))
	.min(1)
	.max(WEBHOOK_EVENT_TYPES.length)
	.refine((e) => new Set(e).size === e.length, "Name each event once.")
	.openapi({ example: ["video.ready", "video.failed"] });
const UrlSchema = z.string().min(1).max(2048).openapi({ example: "https://example.com/hooks/reels" });
const DescriptionSchema = z.string().trim().max(200);

const CreateSchema = z
	.strictObject({
		url: UrlSchema,
		events: EventsSchema,
		description: DescriptionSchema.optional(),
		platform: z.boolean().optional().openapi({ description: "Admins only: hear every account's events" }),
	})
	.openapi("CreateWebhookRequest");

const UpdateSchema = z
	.strictObject({
		url: UrlSchema.optional(),
		events: EventsSchema.optional(),
		description: DescriptionSchema.optional(),
		enabled: z.boolean().optional().openapi({ description: "true turns a disabled endpoint back on; false pauses it" }),
	})
	.refine((b) => Object.keys(b).length > 0, "Send at least one field.")
	.openapi("UpdateWebhookRequest");

const EndpointSchema = z
	.object({
		id: z.uuid(),
		url: z.string(),
		events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
		description: z.string(),
		platform: z.boolean(),
		enabled: z.boolean(),
		disabledAt: z.string().nullable().openapi({ format: "date-time", description: "Set after days of failed deliveries, or by you" }),
		failingSince: z.string().nullable().openapi({ format: "date-time" }),
		createdAt: z.string().openapi({ format: "date-time" }),
	})
	.openapi("WebhookEndpoint");

const WithSecretSchema = EndpointSchema.extend({
	secret: z.string().openapi({ description: "The signing secret (whsec_…): shown when created and when rotated, never listed" }),
}).openapi("WebhookEndpointWithSecret");

const AttemptSchema = z.object({
	at: z.string().openapi({ format: "date-time" }),
	status: z
		.number()
		.int()
		.nullable()
		.openapi({ description: "The receiver's HTTP status; null when none came (timeout, refused address)" }),
	latencyMs: z.number().int(),
	error: z.string().nullable(),
});

const DeliverySchema = z
	.object({
		id: z.uuid(),
		eventId: z.uuid().openapi({ description: "The webhook-id header of every attempt" }),
		type: z.string(),
		status: z.enum(["pending", "succeeded", "failed"]),
		attempts: z.number().int(),
		attemptLog: z.array(AttemptSchema).openapi({ description: "The last 20 attempts, oldest first" }),
		createdAt: z.string().openapi({ format: "date-time" }),
		updatedAt: z.string().openapi({ format: "date-time" }),
	})
	.openapi("WebhookDelivery");

const IdParam = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });
const DeliveryParam = IdParam.extend({ deliveryId: z.uuid().openapi({ param: { name: "deliveryId", in: "path" } }) });

const toEndpoint = (e: EndpointRow) => ({
	id: e.id,
	url: e.url,
	events: e.events as (typeof WEBHOOK_EVENT_TYPES)[number][],
	description: e.description,
	platform: e.userId === null,
	enabled: e.disabledAt === null,
	disabledAt: e.disabledAt?.toISOString() ?? null,
	failingSince: e.failingSince?.toISOString() ?? null,
	createdAt: e.createdAt.toISOString(),
});

const toDelivery = (d: DeliveryRow) => ({
	id: d.id,
	eventId: d.eventId,
	type: d.eventType,
	status: d.status,
	attempts: d.attempts,
	attemptLog: d.attemptLog as z.infer<typeof AttemptSchema>[],
	createdAt: d.createdAt.toISOString(),
	updatedAt: d.updatedAt.toISOString(),
});

/** 400 `webhook_url_refused` for a URL this deployment will not send to. */
function checkUrl(env: Env, url: string): void {
	const refused = refusedUrl(url, configOf(env).WEBHOOK_ALLOW_PRIVATE_URLS);
	if (refused) {
		throw new HttpProblem(400, "webhook_url_refused", `Webhooks are sent to public HTTPS endpoints only: this URL is ${refused}.`);
	}
}

const viewerOf = (c: Context<SignedInEnv>) => ({ userId: c.var.auth.sub, admin: isAdmin(c) });

const tags = ["webhooks"];
const manage = signedIn(jsonBody());

const create = apiRoute({
	method: "post",
	path: "/api/webhooks",
	tags,
	summary: "Register a webhook endpoint",
	description: `Events are POSTed as JSON \`{id, type, createdAt, data}\`, signed by the Standard Webhooks specification (webhook-id, webhook-timestamp, webhook-signature). At most ${MAX_ENDPOINTS} endpoints.`,
	...manage,
	request: { body: { ...jsonContent(CreateSchema), required: true } },
	responses: {
		201: { description: "Created, with its secret", ...jsonContent(WithSecretSchema) },
		...problemResponses(400, 401, 403, 409, 413, 415, 429),
	},
});
const list = apiRoute({
	method: "get",
	path: "/api/webhooks",
	tags,
	summary: "Your webhook endpoints (`?platform=true`: the platform-wide ones, for admins)",
	...signedIn(),
	request: { query: z.object({ platform: z.enum(["true", "false"]).optional() }) },
	responses: {
		200: { description: "Endpoints", ...jsonContent(z.object({ items: z.array(EndpointSchema) })) },
		...problemResponses(401, 403),
	},
});
const getOne = apiRoute({
	method: "get",
	path: "/api/webhooks/{id}",
	tags,
	summary: "One webhook endpoint",
	...signedIn(),
	request: { params: IdParam },
	responses: { 200: { description: "The endpoint", ...jsonContent(EndpointSchema) }, ...problemResponses(401, 404) },
});
const update = apiRoute({
	method: "patch",
	path: "/api/webhooks/{id}",
	tags,
	summary: "Change a webhook endpoint's URL, events or description, or turn it on or off",
	...manage,
	request: { params: IdParam, body: { ...jsonContent(UpdateSchema), required: true } },
	responses: { 200: { description: "Updated", ...jsonContent(EndpointSchema) }, ...problemResponses(400, 401, 404, 413, 415) },
});
const remove = apiRoute({
	method: "delete",
	path: "/api/webhooks/{id}",
	tags,
	summary: "Delete a webhook endpoint and its deliveries",
	...signedIn(),
	request: { params: IdParam },
	responses: { 204: { description: "Deleted" }, ...problemResponses(401, 404) },
});
const rotate = apiRoute({
	method: "post",
	path: "/api/webhooks/{id}/secret",
	tags,
	summary: "Rotate the signing secret",
	description: `Deliveries carry signatures by both secrets for ${SECRET_GRACE_HOURS} hours, so receivers can switch without losing any.`,
	...signedIn(),
	request: { params: IdParam },
	responses: {
		200: {
			description: "The new secret",
			...jsonContent(WithSecretSchema.extend({ previousSecretValidUntil: z.string().openapi({ format: "date-time" }) })),
		},
		...problemResponses(401, 404),
	},
});
const deliveries = apiRoute({
	method: "get",
	path: "/api/webhooks/{id}/deliveries",
	tags,
	summary: "An endpoint's deliveries, newest first, with every attempt",
	...signedIn(),
	request: { params: IdParam, query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) }) },
	responses: {
		200: { description: "Deliveries", ...jsonContent(z.object({ items: z.array(DeliverySchema) })) },
		...problemResponses(401, 404),
	},
});
const retry = apiRoute({
	method: "post",
	path: "/api/webhooks/{id}/deliveries/{deliveryId}/retry",
	tags,
	summary: "Send a delivery again (the same event: the same webhook-id and body)",
	...signedIn(),
	request: { params: DeliveryParam },
	responses: { 202: { description: "Queued", ...jsonContent(DeliverySchema) }, ...problemResponses(401, 404, 409) },
});

export const webhookRoutes = new OpenAPIHono<AppEnv>()
	.openapi(create, async (c) => {
		const body = c.req.valid("json");
		if (body.platform && !isAdmin(c)) throw new HttpProblem(403, "forbidden", "Only admins may register platform-wide webhooks.");
		checkUrl(c.env, body.url);
		const row = await insertEndpoint(
			c.var.db,
			{ userId: c.var.auth.sub, platform: body.platform === true },
			{ url: body.url, events: body.events, description: body.description ?? "" },
		);
		c.header("cache-control", "no-store");
		return c.json({ ...toEndpoint(row), secret: row.secret }, 201);
	})
	.openapi(list, async (c) => {
		const platform = c.req.valid("query").platform === "true";
		if (platform && !isAdmin(c)) throw new HttpProblem(403, "forbidden", "Only admins may see platform-wide webhooks.");
		return c.json({ items: (await endpointsOf(c.var.db, { userId: c.var.auth.sub, platform })).map(toEndpoint) }, 200);
	})
	.openapi(getOne, async (c) => c.json(toEndpoint(await endpointFor(c.var.db, c.req.valid("param").id, viewerOf(c))), 200))
	.openapi(update, async (c) => {
		const { id } = c.req.valid("param");
		await endpointFor(c.var.db, id, viewerOf(c));
		const change = c.req.valid("json");
		if (change.url !== undefined) checkUrl(c.env, change.url);
		return c.json(toEndpoint(await updateEndpoint(c.var.db, id, change)), 200);
	})
	.openapi(remove, async (c) => {
		const { id } = c.req.valid("param");
		await endpointFor(c.var.db, id, viewerOf(c));
		await deleteEndpoint(c.var.db, id);
		return c.body(null, 204);
	})
	.openapi(rotate, async (c) => {
		const { id } = c.req.valid("param");
		await endpointFor(c.var.db, id, viewerOf(c));
		const row = await rotateSecret(c.var.db, id);
		c.header("cache-control", "no-store");
		return c.json({ ...toEndpoint(row), secret: row.secret, previousSecretValidUntil: row.previousSecretUntil?.toISOString() ?? "" }, 200);
	})
	.openapi(deliveries, async (c) => {
		const { id } = c.req.valid("param");
		await endpointFor(c.var.db, id, viewerOf(c));
		return c.json({ items: (await deliveriesOf(c.var.db, id, c.req.valid("query").limit)).map(toDelivery) }, 200);
	})
	.openapi(retry, async (c) => {
		const { id, deliveryId } = c.req.valid("param");
		const endpoint = await endpointFor(c.var.db, id, viewerOf(c));
		if (endpoint.disabledAt)
			throw new HttpProblem(409, "webhook_disabled", "The endpoint is disabled: turn it back on first (PATCH enabled: true).");
		const row = await replayDelivery(c.var.db, id, deliveryId);
		await c.env.WEBHOOK_DELIVERIES.send({ deliveryId: row.id } satisfies WebhookDeliveryJob, { contentType: "json" });
		return c.json(toDelivery(row), 202);
	});
