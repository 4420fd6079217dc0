import { describe, expect, it } from "vitest";
import { redact } from "./logger";

describe("redact", () => {
	it("hides values under keys that carry credentials, at any depth", () => {
		expect(redact({ password: "p", nested: { refreshToken: "t", Authorization: "Bearer x", ok: 1 } })).toEqual({
			password: "[redacted]",
			nested: { refreshToken: "[redacted]", Authorization: "[redacted]", ok: 1 },
		});
	});

	it("strips user:password@ from URLs inside free text", () => {
		expect(redact({ error: "connect postgresql://reels:s3cret@10.0.0.1:5432/reels failed" })).toEqual({
			error: "connect postgresql://[redacted]@10.0.0.1:5432/reels failed",
		});
	});

	it("hides webhook secrets and API keys quoted in free text (a failed query's parameters)", () => {
		const key = `rk_${"a".repeat(64)}_${"S".repeat(43)}`;
		expect(redact({ error: `Failed query: insert … params: 01a2,https://x/hook,whsec_AbC+/12==,${key}` })).toEqual({
			error: "Failed query: insert … params: 01a2,https://x/hook,whsec_[redacted],rk_aaaaaaaa[redacted]",
		});
	});

	it("leaves ordinary values alone", () => {
		expect(redact({ path: "/api/reels", status: 200, tags: ["a", "b"] })).toEqual({ path: "/api/reels", status: 200, tags: ["a", "b"] });
	});
});
