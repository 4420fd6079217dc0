// Runs in Node (the `node` Vitest project): the validator compiles JSON Schemas
// with `new Function`, which the Workers runtime forbids. The document comes
// from the same app the Worker serves, without any binding.
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { createApp } from "./app";

// The [vars] from wrangler.toml: the middleware reads configuration; no route here touches a binding.
const env = unstable_readConfig({ config: "wrangler.toml" }).vars as unknown as Env;

async function openApiDocument() {
	const res = await createApp().request("/openapi.json", {}, env);
	expect(res.status).toBe(200);
	return (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
}

describe("/openapi.json", () => {
	it("is a valid OpenAPI 3.1 document", async () => {
		const doc = await openApiDocument();
		const result = await new Validator().validate(doc);
		expect(result.errors ?? []).toEqual([]);
		expect(result.valid).toBe(true);
		expect(doc.openapi).toBe("3.1.0");
	});

	it("lists every route the app serves", async () => {
		const doc = await openApiDocument();
		const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
		expect(documented.sort()).toEqual(
			[
				"GET /health",
				"GET /.well-known/jwks.json",
				"POST /api/auth/register",
				"POST /api/auth/login",
				"POST /api/auth/refresh",
				"POST /api/auth/logout",
				"GET /api/users/me",
				"PATCH /api/users/me",
				"GET /api/users",
				"GET /api/users/{id}",
				"GET /api/notifications",
				"POST /api/notifications/read",
				"GET /api/realtime/stats",
				"POST /api/realtime/broadcast",
				"GET /ws",
				"GET /cdn/{key}",
				"GET /img/{options}/{key}",
				"GET /cdn/resize/{width}/{height}/{key}",
				"DELETE /cdn/{key}",
				"DELETE /cdn/cache/{key}",
				"POST /cdn/upload",
				"POST /api/videos/upload",
				"GET /api/videos/{id}/status",
				"OPTIONS /api/uploads/tus",
				"POST /api/uploads/tus",
				"HEAD /api/uploads/tus/{id}",
				"PATCH /api/uploads/tus/{id}",
				"DELETE /api/uploads/tus/{id}",
				"POST /api/reels",
				"GET /api/reels",
				"GET /api/reels/{id}",
				"PATCH /api/reels/{id}",
				"DELETE /api/reels/{id}",
				"POST /api/reels/{id}/like",
				"DELETE /api/reels/{id}/like",
				"POST /api/reels/{id}/views",
				"GET /api/reels/{id}/comments",
				"POST /api/reels/{id}/comments",
				"DELETE /api/comments/{id}",
				"POST /api/reels/{id}/report",
				"GET /api/admin/reels/reported",
				"POST /api/admin/reels/{id}/restore",
				"POST /api/users/{id}/follow",
				"DELETE /api/users/{id}/follow",
				"GET /api/users/{id}/followers",
				"GET /api/users/{id}/following",
				"GET /api/feed",
				"GET /api/hashtags/{tag}/reels",
				"GET /api/search",
			].sort(),
		);
	});

	it("describes the error shape and the bearer scheme", async () => {
		const doc = (await openApiDocument()) as unknown as {
			components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
		};
		expect(doc.components.schemas).toHaveProperty("Problem");
		expect(doc.components.securitySchemes).toHaveProperty("bearer");
	});
});

describe("GET /docs", () => {
	it("serves an interactive reference that loads /openapi.json", async () => {
		const res = await createApp().request("/docs", {}, env);
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toContain("/openapi.json");
		expect(html.toLowerCase()).toContain("swagger");
	});
});
