import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { devStackOptions } from "./dev.ts";
import { connectionUrls, findPgBin } from "./postgres-cluster.ts";

function fakeInstall(versions: string[]) {
	const base = mkdtempSync(join(tmpdir(), "pg-bins-"));
	for (const v of versions) {
		mkdirSync(join(base, v, "bin"), { recursive: true });
		for (const b of ["postgres", "initdb"]) writeFileSync(join(base, v, "bin", b), "");
	}
	return base;
}

describe("findPgBin", () => {
	it("picks the newest installed major version", () => {
		const base = fakeInstall(["13", "15", "9"]);
		expect(findPgBin({}, base)).toBe(join(base, "15", "bin"));
	});

	it("prefers PG_BIN when it holds the server binaries", () => {
		const base = fakeInstall(["15"]);
		const custom = fakeInstall(["16"]);
		expect(findPgBin({ PG_BIN: join(custom, "16", "bin") }, base)).toBe(join(custom, "16", "bin"));
	});

	it("fails at once with a one-line install instruction when there are none", () => {
		const empty = mkdtempSync(join(tmpdir(), "pg-none-"));
		expect(() => findPgBin({}, empty)).toThrow(/^PostgreSQL server binaries not found: run `apt-get install -y postgresql`/);
	});
});

describe("local stack settings", () => {
	it("uses the documented ports by default, the replica one above the primary", () => {
		const o = devStackOptions({});
		expect([o.workerPort, o.transcoderPort, o.cluster.primaryPort, o.cluster.replicaPort]).toEqual([8787, 8790, 54330, 54331]);
	});

	it("refuses a port that is not one", () => {
		expect(() => devStackOptions({ DEV_PORT: "80a" })).toThrow(/DEV_PORT/);
		expect(() => devStackOptions({ PG_PORT: "70000" })).toThrow(/PG_PORT/);
	});

	it("builds connection URLs that match wrangler.toml's localConnectionString", () => {
		expect(connectionUrls({ dataDir: "/x", primaryPort: 54330, replicaPort: 54331 }).primaryUrl).toBe(
			"postgresql://reels:reels-local@127.0.0.1:54330/reels",
		);
	});
});
