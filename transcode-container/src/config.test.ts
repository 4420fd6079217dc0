import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

describe("loadConfig", () => {
	it("uses defaults for a single small instance", () => {
		expect(loadConfig({})).toMatchObject({ port: 8080, host: "0.0.0.0", maxConcurrentJobs: 2, maxSourceSeconds: 180 });
	});

	it("takes values from the environment", () => {
		expect(loadConfig({ PORT: "9000", MAX_CONCURRENT_JOBS: "4" })).toMatchObject({ port: 9000, maxConcurrentJobs: 4 });
	});

	it("refuses values that are not positive integers", () => {
		expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT must be a positive integer/);
		expect(() => loadConfig({ MAX_CONCURRENT_JOBS: "0" })).toThrow(/MAX_CONCURRENT_JOBS/);
	});

	it("accepts only real x264 presets", () => {
		expect(loadConfig({}).x264Preset).toBe("veryfast");
		expect(loadConfig({ X264_PRESET: "medium" }).x264Preset).toBe("medium");
		expect(() => loadConfig({ X264_PRESET: "fast; rm -rf /" })).toThrow(/X264_PRESET must be one of/);
	});
});
