import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { signedMediaUrl } from "../../cdn/signing/media-url-signature";
import { api, ownAddress } from "../../test-support/api";
import { storeOwned } from "../../test-support/assets";
import { sampleJpeg } from "../../test-support/media";

type Point = { indexes: string[]; blobs: string[]; doubles: number[] };

function watch() {
	const points: Point[] = [];
	const spy = vi.spyOn(env.ANALYTICS, "writeDataPoint").mockImplementation((p) => {
		points.push(p as Point);
	});
	return { points, spy, of: (kind: string) => points.filter((p) => p.indexes[0] === kind) };
}

afterEach(() => vi.restoreAllMocks());

describe("Analytics Engine datapoints", () => {
	it("records every request with its route pattern, status, problem code and latency", async () => {
		const w = watch();
		const id = crypto.randomUUID();
		expect((await api(`/api/reels/${id}`)).status).toBe(404);
		const [point] = w.of("request");
		expect(point?.blobs.slice(0, 5)).toEqual(["request", "/api/reels/:id", "GET", "404", "reel_not_found"]);
		expect(point?.doubles[0]).toBeGreaterThanOrEqual(0);
		expect(point?.doubles[1]).toBe(404);
		// The route pattern, never the id: one row per route, not per reel.
		expect(JSON.stringify(w.points)).not.toContain(id);
	});

	it("records a refusal with the limiter that refused and its Retry-After", async () => {
		const key = await storeOwned(`2026/11/22/${crypto.randomUUID()}.jpg`, sampleJpeg());
		const ip = { "cf-connecting-ip": ownAddress(), accept: "image/jpeg" };
		const budget = { IMAGE_TRANSFORMS_PER_HOUR: "1" };
		await api(`/img/width=64/${key}`, { headers: ip }, budget);
		const w = watch();
		expect((await api(`/img/width=128/${key}`, { headers: ip }, budget)).status).toBe(429);
		const [refusal] = w.of("refusal");
		expect(refusal?.blobs.slice(0, 3)).toEqual(["refusal", "transform", "/img/:options/*"]);
		expect(refusal?.doubles[0]).toBeGreaterThan(0);
	});
});

describe("the request log", () => {
	it("carries route, status, latency, request id and user id, and never a token: not ?token=, not a signed path's", async () => {
		const lines: string[] = [];
		vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(String(line)));
		const file = await storeOwned(`2026/11/22/${crypto.randomUUID()}/poster.jpg`, "p", "signed");
		const signed = await signedMediaUrl(env, file, 600);
		expect((await api(signed)).status).toBe(200);
		await api("/ws?token=secret-access-token");
		const requests = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "request");
		expect(requests).toHaveLength(2);
		const token = signed.split("/")[3] as string;
		expect(JSON.stringify(requests)).not.toContain(token);
		expect(JSON.stringify(requests)).not.toContain("secret-access-token");
		expect(requests[0]).toMatchObject({
			path: `/cdn/s/:token/${file}`,
			status: 200,
			requestId: expect.any(String),
			durationMs: expect.any(Number),
		});
		expect(requests[1]).toMatchObject({ path: "/ws", route: "/ws" });
	});
});
