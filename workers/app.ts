import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { healthRoutes } from "./api/health/health-route";
import { userProfileRoutes } from "./api/users/user-profile-route";
import type { AppEnv } from "./lib/app/app-env";
import { accessLog } from "./lib/observability/access-log";
import { postgres } from "./lib/postgres/postgres-middleware";
import { HttpProblem } from "./lib/problems/http-problem";
import { problemResponse, renderProblem } from "./lib/problems/render-problem";
import { burstLimit } from "./lib/rate-limit/burst-limit";

/** Every route validates with zod; a failed validation is one 400 problem listing each issue. */
export const validationHook = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => {
	if (!result.success) {
		const errors = (result.error?.issues ?? []).map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
		throw new HttpProblem(400, "validation_failed", "The request did not pass validation.", { errors });
	}
};

export function createApp() {
	const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

	app.use(requestId({ limitLength: 128 }));
	app.use(accessLog());
	app.use(secureHeaders());
	app.use("/api/*", burstLimit());
	app.use("/api/*", postgres());

	app.route("/", healthRoutes);
	app.route("/", userProfileRoutes);

	app.doc31("/openapi.json", {
		openapi: "3.1.0",
		info: { title: "reels-edge API", version: "0.1.0", description: "Edge-native short-video platform" },
	});

	app.notFound((c) => problemResponse(c, new HttpProblem(404, "route_not_found", `No route for ${c.req.method} ${c.req.path}`)));
	app.onError(renderProblem);
	return app;
}

export type App = ReturnType<typeof createApp>;
