import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { judgeBundle, measureBundle } from "./bundle-size.ts";

describe("the bundle size check", () => {
	it("measures every module gzipped and fails past the limit", () => {
		const dir = mkdtempSync(join(tmpdir(), "bundle-"));
		mkdirSync(join(dir, "chunks"));
		writeFileSync(join(dir, "index.js"), "export default {};\n".repeat(1000));
		writeFileSync(join(dir, "chunks", "big.js"), crypto.getRandomValues(new Uint8Array(60_000)));
		writeFileSync(join(dir, "index.js.map"), "x".repeat(1_000_000)); // not uploaded as code
		const size = measureBundle(dir);
		expect(size.files).toBe(2);
		expect(size.rawBytes).toBe(19_000 + 60_000);
		// Random bytes do not compress: the gzip figure stays near their size.
		expect(size.gzipBytes).toBeGreaterThan(60_000);
		expect(judgeBundle(size, 100_000)).toMatchObject({ ok: true });
		expect(judgeBundle(size, 50_000)).toMatchObject({ ok: false, line: expect.stringMatching(/% of the 0.05 MB limit/) });
	});

	it("refuses to pass an empty or missing build", () => {
		expect(() => measureBundle(mkdtempSync(join(tmpdir(), "bundle-")))).toThrow(/npm run build:dry/);
	});
});
