import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { APP_PAGE_CSP } from "../workers/lib/http/page-policies.ts";
import { buildAssets } from "./build-assets.ts";
import { headersFor } from "./static-headers.ts";

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

describe("_headers, read as the platform applies it", () => {
	const text = readFileSync(join(import.meta.dirname, "../web/api-docs/_headers"), "utf8");

	it("gives the API reference its own CSP alone, not joined with the web app's", () => {
		for (const path of ["/docs/", "/docs/index.html", "/docs/vendor/swagger-ui-bundle.js"]) {
			const csp = headersFor(text, path).get("content-security-policy") ?? "";
			expect(csp.startsWith("default-src 'none'")).toBe(true);
			expect(csp).not.toContain(",");
			expect(headersFor(text, path).get("referrer-policy")).toBe("no-referrer");
		}
	});

	it("allows the web app shell's one inline script by its hash, and the Worker's copy of the CSP says the same", () => {
		const shell = readFileSync(join(import.meta.dirname, "../web/app/index.html"), "utf8");
		const inline = [...shell.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? "");
		expect(inline).toHaveLength(1);
		const hash = `'sha256-${createHash("sha256")
			.update(inline[0] ?? "")
			.digest("base64")}'`;
		const csp = headersFor(text, "/").get("content-security-policy") ?? "";
		expect(csp).toContain(`script-src 'self' ${hash};`);
		expect(APP_PAGE_CSP).toBe(csp);
	});

	it("gives the web app its CSP once, and hashed builds an immutable cache policy", () => {
		expect(headersFor(text, "/").get("content-security-policy")).toMatch(/^default-src 'self';[^,]*$/);
		expect(headersFor(text, "/app/index-abc123.js").get("cache-control")).toBe("public, max-age=31536000, immutable");
	});

	it("joins a header two matching rules set, and detaches it on request (the reader itself)", () => {
		const both = "/*\n  X-A: one\n/x/*\n  X-A: two\n";
		expect(headersFor(both, "/x/y").get("x-a")).toBe("one, two");
		expect(headersFor(`${both}/x/y\n  ! X-A\n`, "/x/y").has("x-a")).toBe(false);
	});
});
