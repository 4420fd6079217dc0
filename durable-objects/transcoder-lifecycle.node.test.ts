import { describe, expect, it } from "vitest";
import { endsTheJob } from "./transcoder-lifecycle";

const req = (method: string, path: string) => new Request(`http://transcoder.internal${path}`, { method });

describe("endsTheJob", () => {
	it("stops the instance once its job is deleted (or already gone), and for nothing else", () => {
		expect(endsTheJob(req("DELETE", "/jobs/0190f1c4-6f1a-7c3e-9d2b-5b8e0c1a2b3c"), 204)).toBe(true);
		expect(endsTheJob(req("DELETE", "/jobs/abc"), 404)).toBe(true);
		expect(endsTheJob(req("DELETE", "/live/0190f1c4-6f1a-7c3e-9d2b-5b8e0c1a2b3c-g0"), 204)).toBe(true);
		expect(endsTheJob(req("DELETE", "/live/abc/files/hls/0/seg00000.ts"), 200)).toBe(false);
		expect(endsTheJob(req("DELETE", "/jobs/abc"), 503)).toBe(false);
		expect(endsTheJob(req("GET", "/jobs/abc"), 200)).toBe(false);
		expect(endsTheJob(req("PUT", "/jobs/abc"), 202)).toBe(false);
		expect(endsTheJob(req("DELETE", "/jobs/abc/files/hls/master.m3u8"), 200)).toBe(false);
	});
});
