import { describe, expect, it } from "vitest";
import { api } from "../../test-support/api";
import { MAX_URL_CHARS } from "./url-length";

describe("URL length", () => {
	it("answers a URL past the limit with a 414 problem on every surface, below the runtime's own limit", async () => {
		for (const base of ["/api/feed?q=", "/cdn/2026/11/22/x.jpg?v=", "/img/width=64/a.jpg?sig="]) {
			const res = await api(base + "a".repeat(MAX_URL_CHARS));
			expect(res.status).toBe(414);
			expect(res.headers.get("content-type")).toBe("application/problem+json");
			expect(await res.json()).toMatchObject({ code: "uri_too_long" });
		}
		expect((await api(`/api/feed?q=${"a".repeat(MAX_URL_CHARS - 100)}`)).status).toBe(200);
	});
});
