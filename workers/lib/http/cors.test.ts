import { describe, expect, it } from "vitest";
import { api } from "../../test-support/api";

describe("CORS", () => {
	it("answers a preflight from an allow-listed origin", async () => {
		const res = await api("/api/auth/login", {
			method: "OPTIONS",
			headers: {
				origin: "http://localhost:5173",
				"access-control-request-method": "POST",
				"access-control-request-headers": "content-type",
			},
		});
		expect(res.status).toBe(204);
		expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
		expect(res.headers.get("access-control-allow-credentials")).toBe("true");
		expect(res.headers.get("access-control-allow-methods")).toContain("POST");
	});

	it("exposes the headers clients need on allow-listed responses", async () => {
		const res = await api("/health", { headers: { origin: "http://localhost:5173" } });
		expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
		expect(res.headers.get("access-control-expose-headers")).toContain("X-Consistency-Token");
	});

	it("gives any other origin no CORS headers at all", async () => {
		const res = await api("/health", { headers: { origin: "https://evil.example" } });
		expect(res.headers.get("access-control-allow-origin")).toBeNull();
	});
});
