// Runs in Node (the `node` Vitest project): the validator compiles JSON Schemas
// with `new Function`, which the Workers runtime forbids. The document comes
// from the same app the Worker serves, without any binding.
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { createApp, REQUEST_STACK_AT } from "./app";
import { STACK_STATUSES } from "./lib/app/request-stack";
import { openApiDocument } from "./test-support/openapi-document";

/** A hono path as OpenAPI writes it: `:id` or `:folder{.+}` → `{id}`, `{folder}`, and a trailing wildcard (a media key) → `{key}`. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)(\{[^}]*\})?/g, "{$1}").replace(/\/\*$/, "/{key}");

describe("/openapi.json", () => {
	it("is a valid OpenAPI 3.1 document", async () => {
		const doc = await openApiDocument();
		const result = await new Validator().validate(doc);
		expect(result.errors ?? []).toEqual([]);
		expect(result.valid).toBe(true);
		expect(doc.openapi).toBe("3.1.0");
	});

	it("documents exactly the routes the app serves", async () => {
		const doc = await openApiDocument();
		const documented = new Set(
			Object.entries(doc.paths).flatMap(([path, ops]) =>
				// hono answers HEAD with the GET handler, so a documented HEAD is served by a GET route.
				Object.keys(ops).map((m) => `${m === "head" ? "GET" : m.toUpperCase()} ${path}`),
			),
		);
		const served = new Set(
			createApp()
				// "ALL" entries are middleware; HEAD is served through GET (above).
				.routes.filter((r) => r.method !== "ALL" && r.method !== "HEAD")
				.map((r) => `${r.method} ${openApiPath(r.path)}`),
		);
		// The document describes the API; it is not part of it.
		served.delete("GET /openapi.json");
		expect([...documented].sort()).toEqual([...served].sort());
	});

	it("declares, on every operation behind the request stack, the problems that stack can answer", async () => {
		const doc = await openApiDocument();
		// The app's own list of where the stack runs, not a copy of it.
		const behindStack = (method: string, path: string) =>
			REQUEST_STACK_AT.some(
				(at) =>
					(at.method === "*" || at.method.toLowerCase() === method) &&
					(at.path.endsWith("/*") ? path.startsWith(at.path.slice(0, -1)) : path === at.path),
			);
		const missing = Object.entries(doc.paths).flatMap(([path, ops]) =>
			Object.entries(ops as Record<string, { responses: Record<string, unknown> }>)
				.filter(([method]) => behindStack(method, path))
				.flatMap(([method, op]) => STACK_STATUSES.filter((s) => !(String(s) in op.responses)).map((s) => `${method} ${path}: ${s}`)),
		);
		expect(missing).toEqual([]);
	});

	it("describes the error shape and the bearer scheme", async () => {
		const doc = (await openApiDocument()) as unknown as {
			components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
		};
		expect(doc.components.schemas).toHaveProperty("Problem");
		expect(doc.components.securitySchemes).toHaveProperty("bearer");
	});
});
