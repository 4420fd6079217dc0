import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { every } from "hono/combine";
import type { AppEnv } from "../../lib/app/app-env";
import { authenticate, isAdmin } from "../../lib/auth/authenticate";
import { configOf } from "../../lib/config/config";
import { isolateIdentity } from "../../lib/observability/instance";
import { postgres } from "../../lib/postgres/postgres-middleware";
import { problemResponses } from "../../lib/problems/problem-schema";
import { cachedChecks } from "./cached-checks";
import type { CheckResult } from "./dependency-checks";

const CheckSchema = z
	.object({
		status: z.enum(["ok", "down", "on_demand"]),
		latencyMs: z.number(),
		detail: z.string().optional(),
	})
	.catchall(z.unknown());

const HealthSchema = z
	.object({
		status: z.enum(["ok", "degraded", "unavailable"]),
		version: z.string(),
		environment: z.string(),
		instance: z.object({ isolate: z.string(), startedAt: z.string(), colo: z.string().nullable() }),
		checkedAt: z
			.string()
			.openapi({ description: "When the dependencies were checked: at most 5 s ago (one check per isolate serves every poll)" }),
		checks: z.object({
			d1: CheckSchema,
			r2: CheckSchema,
			postgresPrimary: CheckSchema,
			postgresReplica: CheckSchema,
			transcoder: CheckSchema,
		}),
	})
	.openapi("Health");

export type Health = z.infer<typeof HealthSchema>;

/** What anyone may see: the overall status, the instance, and each dependency's up or down, without detail. */
const PublicHealthSchema = z
	.object({
		status: HealthSchema.shape.status,
		instance: HealthSchema.shape.instance,
		checkedAt: HealthSchema.shape.checkedAt,
		checks: z.record(z.string(), z.object({ status: z.enum(["ok", "down", "on_demand"]) })),
	})
	.openapi("PublicHealth");

// Who is asking (an admin sees detail): the token is checked, but /health takes no quota, so
// monitors can poll it as often as they like.
const healthCaller: MiddlewareHandler<AppEnv> = every(postgres(), authenticate());

const route = createRoute({
	method: "get",
	path: "/health",
	tags: ["platform"],
	summary: "Liveness and per-dependency health",
	description:
		"`degraded` (200) while the platform can still serve, e.g. with the replica or the primary down; `unavailable` (503) when it cannot: D1 or R2 down, or no Postgres server reachable. In production, dependency detail (versions, WAL positions, lag, raw errors) is shown to admins only (send an admin's bearer token); everyone else gets the status, the instance and each dependency's up or down.",
	middleware: [healthCaller] as const,
	responses: {
		200: {
			description: "Serving (ok or degraded)",
			content: { "application/json": { schema: z.union([HealthSchema, PublicHealthSchema]) } },
		},
		503: { description: "Cannot serve", content: { "application/json": { schema: z.union([HealthSchema, PublicHealthSchema]) } } },
		...problemResponses(401),
	},
});

/** The platform cannot serve without media metadata, media bytes, or any Postgres server. */
export function overallStatus(checks: Health["checks"]): Health["status"] {
	const up = (c: CheckResult) => c.status !== "down";
	const canServe = up(checks.d1) && up(checks.r2) && (up(checks.postgresPrimary) || up(checks.postgresReplica));
	if (!canServe) return "unavailable";
	return Object.values(checks).every(up) ? "ok" : "degraded";
}

export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
	const env = c.env;
	const { checks, checkedAt } = await cachedChecks(env);
	const status = overallStatus(checks);
	const body: Health = {
		status,
		version: configOf(env).APP_VERSION,
		environment: configOf(env).ENVIRONMENT,
		instance: {
			isolate: isolateIdentity().id,
			startedAt: isolateIdentity().startedAt,
			colo: (c.req.raw.cf as { colo?: string } | undefined)?.colo ?? null,
		},
		checkedAt,
		checks,
	};
	c.header("cache-control", "no-store");
	const detailed = configOf(env).ENVIRONMENT !== "production" || isAdmin(c);
	const shown = detailed
		? body
		: {
				status,
				instance: body.instance,
				checkedAt,
				checks: Object.fromEntries(Object.entries(checks).map(([k, v]) => [k, { status: v.status }])),
			};
	return status === "unavailable" ? c.json(shown, 503) : c.json(shown, 200);
});
