// The web app's generated API types match the API as it is now. `npm run web:types` rewrites
// them (this test, with WRITE_WEB_API_TYPES=1); `npm test` fails while they disagree.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "./test-support/openapi-document";
import { WEB_API_TYPES_PATH, webApiTypes } from "./test-support/web-api-types";

describe("the web app's API types", () => {
	it("are generated from the API's current OpenAPI document", async () => {
		const generated = await webApiTypes(await openApiDocument());
		if (process.env.WRITE_WEB_API_TYPES === "1") writeFileSync(WEB_API_TYPES_PATH, generated);
		const committed = readFileSync(WEB_API_TYPES_PATH, "utf8");
		expect(committed === generated, `${WEB_API_TYPES_PATH} is out of date: run npm run web:types`).toBe(true);
		// Typed from the server: the shapes the app reads are there.
		expect(generated).toMatch(/Reel: \{/);
		expect(generated).toMatch(/"\/api\/reels\/\{id\}": \{/);
	});
});
