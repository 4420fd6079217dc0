import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildAssets } from "./build-assets.ts";

describe("the /docs reference (static assets)", () => {
	it("loads only this origin's files and this deployment's document, from the pinned Swagger UI", () => {
		const out = buildAssets(mkdtempSync(join(tmpdir(), "assets-")));
		const html = readFileSync(join(out, "docs/index.html"), "utf8");
		const init = readFileSync(join(out, "docs/init.js"), "utf8");
		for (const text of [html, init]) expect(text).not.toMatch(/https?:\/\//);
		expect(html).not.toMatch(/<script>(?!<\/script>)/);
		expect(init).toContain('url: "/openapi.json"');
		expect(readFileSync(join(out, "_headers"), "utf8")).toMatch(/script-src 'self'/);
		expect(readFileSync(join(out, "docs/vendor/swagger-ui-bundle.js"), "utf8").length).toBeGreaterThan(100_000);
	});
});
