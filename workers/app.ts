import { OpenAPIHono, z } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { authRoutes } from "./api/auth/auth-routes";
import { emailRoutes } from "./api/auth/email-routes";
import { exportRoutes } from "./api/exports/export-routes";
import { feedRoutes } from "./api/feed/feed-routes";
import { forYouRoutes } from "./api/feed/for-you-routes";
import { followRoutes } from "./api/follows/follow-routes";
import { privacyRoutes } from "./api/follows/privacy-routes";
import { healthRoutes } from "./api/health/health-route";
import { keyRoutes } from "./api/keys/key-routes";
import { liveRoutes } from "./api/live/live-routes";
import { notificationPrefsRoutes } from "./api/notifications/notification-prefs-routes";
import { notificationRoutes } from "./api/notifications/notification-routes";
import { playbackRoutes } from "./api/playback/playback-routes";
import { realtimeAdminRoutes } from "./api/realtime/realtime-admin-routes";
import { websocketRoutes } from "./api/realtime/websocket-route";
import { engagementRoutes } from "./api/reels/engagement-routes";
import { moderationRoutes } from "./api/reels/moderation-routes";
import { reelRoutes } from "./api/reels/reel-routes";
import { searchRoutes } from "./api/search/search-routes";
import { adminUserRoutes } from "./api/users/admin-user-routes";
import { meRoutes } from "./api/users/me-routes";
import { userProfileRoutes } from "./api/users/user-profile-route";
import { captionRoutes } from "./api/videos/caption-routes";
import { clipRoutes } from "./api/videos/clip-route";
import { copyRoutes } from "./api/videos/copy-route";
import { directUploadRoutes } from "./api/videos/direct-upload-route";
import { posterRoutes } from "./api/videos/poster-route";
import { videoStatusRoutes } from "./api/videos/video-status-route";
import { webhookRoutes } from "./api/webhooks/webhook-routes";
import { jwksRoutes } from "./api/well-known/jwks-route";
import { cdnPathDocs } from "./cdn/cdn-openapi";
import { deliveryRoutes } from "./cdn/delivery/delivery-route";
import { frameRoutes } from "./cdn/delivery/frame-route";
import { resizeRoutes } from "./cdn/images/resize-route";
import { purgeRoutes } from "./cdn/purge/purge-routes";
import { directUploadPathDocs, directUploadTusRoutes } from "./cdn/tus/direct-upload-routes";
import { tusPathDocs, tusRoutes } from "./cdn/tus/tus-routes";
import { uploadPathDocs, uploadRoutes } from "./cdn/upload/upload-routes";
import { declareApiKeyScopes } from "./lib/app/api-key-security";
import type { AppEnv } from "./lib/app/app-env";
import { declareAppWideProblems } from "./lib/app/app-wide-problems";
import { requestStack } from "./lib/app/request-stack";
import type { TokenSources } from "./lib/auth/authenticate";
import { surfaceHeaders } from "./lib/http/media-headers";
import { SharedReads } from "./lib/http/shared-reads";
import { refuseLongUrl } from "./lib/http/url-length";
import { accessLog } from "./lib/observability/access-log";
import { HttpProblem, validationFailed } from "./lib/problems/http-problem";
import { problemResponse, renderProblem } from "./lib/problems/render-problem";
import { LiveSocketMessageSchema } from "./live/live-chat";
import { embedRoutes } from "./pages/embed-route";
import { oembedRoutes } from "./pages/oembed-route";
import { reelPageRoutes, shellWhenRefused } from "./pages/reel-page-route";
import { USER_EVENT_TYPES } from "./realtime/events";

/** Every route validates with zod; a failed validation is one 400 problem listing each issue. */
export const validationHook = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => {
	if (!result.success) {
		const errors = (result.error?.issues ?? []).map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
		throw validationFailed(errors);
	}
};

/**
 * Where the one request stack (lib/app/request-stack.ts) runs: in front of everything that reads or
 * writes on behalf of a caller (the API, the socket, uploads and cache purges). The OpenAPI test
 * reads this list to check that each of those operations declares the problems the stack answers.
 */
export const REQUEST_STACK_AT: readonly { method: "*" | "GET" | "POST"; path: string; tokens?: TokenSources }[] = [
	{ method: "*", path: "/api/*" },
	// Browsers cannot set headers on a WebSocket, so its token may also come as a subprotocol or in the URL.
	{ method: "*", path: "/ws", tokens: "header-or-websocket" },
	{ method: "POST", path: "/cdn/upload" },
	{ method: "POST", path: "/cdn/cache/purge" },
	// The pages the Worker renders around a reel (pages/): they read Postgres for strangers.
	{ method: "GET", path: "/embed/*" },
	{ method: "GET", path: "/oembed" },
	{ method: "GET", path: "/reel/*" },
];

export function createApp() {
	const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

	app.use(requestId({ limitLength: 128 }));
	app.use(accessLog());
	app.use(refuseLongUrl());
	// Security headers and CORS per surface: the API's allow-list, or public media embeddable anywhere.
	app.use(surfaceHeaders());
	// One per app, so per isolate in production (index.ts); a test's own app starts with none.
	const sharedReads = new SharedReads();
	// Outside the stack, so a refusal inside it still gets the reader the web app.
	app.use("/reel/*", shellWhenRefused());
	for (const at of REQUEST_STACK_AT) {
		const stack = requestStack(at.tokens ?? "header", sharedReads);
		// Middleware, not a route of its own (HEAD is a GET without its body).
		const applies = (method: string) => at.method === "*" || method === at.method || (at.method === "GET" && method === "HEAD");
		app.use(at.path, (c, next) => (applies(c.req.method) ? stack(c, next) : next()));
	}

	app.route("/", healthRoutes);
	app.route("/", jwksRoutes);
	app.route("/", authRoutes);
	app.route("/", emailRoutes);
	app.route("/", exportRoutes);
	app.route("/", notificationPrefsRoutes);
	// /api/users/me before /api/users/{id}: the first matching route answers.
	app.route("/", playbackRoutes);
	app.route("/", meRoutes);
	app.route("/", privacyRoutes);
	app.route("/", adminUserRoutes);
	app.route("/", keyRoutes);
	app.route("/", webhookRoutes);
	app.route("/", userProfileRoutes);
	app.route("/", followRoutes);
	app.route("/", reelRoutes);
	app.route("/", engagementRoutes);
	app.route("/", moderationRoutes);
	app.route("/", forYouRoutes);
	app.route("/", feedRoutes);
	app.route("/", searchRoutes);
	app.route("/", notificationRoutes);
	app.route("/", realtimeAdminRoutes);
	app.route("/", websocketRoutes);
	app.route("/", liveRoutes);
	app.route("/", uploadRoutes);
	app.route("/", videoStatusRoutes);
	app.route("/", directUploadRoutes);
	app.route("/", captionRoutes);
	app.route("/", posterRoutes);
	app.route("/", clipRoutes);
	app.route("/", copyRoutes);
	app.route("/", tusRoutes);
	app.route("/", directUploadTusRoutes);
	// Before delivery: /cdn/resize/… would otherwise be taken for a media key.
	app.route("/", resizeRoutes);
	app.route("/", purgeRoutes);
	// Before delivery: /cdn/<video folder>/thumbnail.jpg is made, not stored.
	app.route("/", frameRoutes);
	app.route("/", deliveryRoutes);
	app.route("/", embedRoutes);
	app.route("/", oembedRoutes);
	app.route("/", reelPageRoutes);

	app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
	app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
		type: "http",
		scheme: "bearer",
		bearerFormat: "rk_…",
		description: "An API key (POST /api/keys): acts as its owner within its scopes; an operation that takes one lists it.",
	});
	for (const doc of [...cdnPathDocs, ...uploadPathDocs, ...tusPathDocs, ...directUploadPathDocs]) app.openAPIRegistry.registerPath(doc);
	// The sockets' messages are no operation's answer, but clients need their shapes (docs/events.md).
	app.openAPIRegistry.register("LiveSocketMessage", LiveSocketMessageSchema);
	app.openAPIRegistry.register("UserEventType", z.enum(USER_EVENT_TYPES));
	// Generated once per isolate, with the statuses app-wide middleware can answer added to every operation.
	let openApiDocument: object | undefined;
	app.get("/openapi.json", (c) => {
		openApiDocument ??= declareApiKeyScopes(
			declareAppWideProblems(
				app.getOpenAPI31Document({
					openapi: "3.1.0",
					info: { title: "reels-edge API", version: "0.1.0", description: "Edge-native short-video platform" },
				}),
			),
		);
		return c.json(openApiDocument);
	});
	// The reference at /docs is a static asset (web/api-docs, scripts/build-assets.ts): self-hosted Swagger UI.

	app.notFound((c) => problemResponse(c, new HttpProblem(404, "route_not_found", `No route for ${c.req.method} ${c.req.path}`)));
	app.onError(renderProblem);
	return app;
}
