import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { devStackOptions } from "./dev.ts";
import { connectionUrls, findPgBin, SERVES_FILE, sweepOrphanedDataDirs } from "./postgres-cluster.ts";

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

describe("sweepOrphanedDataDirs", () => {
	it("removes a fallback folder whose checkout folder is gone and whose servers are stopped, and no other", () => {
		const root = mkdtempSync(join(tmpdir(), "pg-fallback-"));
		const checkout = mkdtempSync(join(tmpdir(), "pg-checkout-"));
		const live = spawn("sleep", ["60"]);
		try {
			const folder = (name: string, serves: string | undefined, postmasterPid?: number) => {
				const dir = join(root, name);
				mkdirSync(join(dir, "primary"), { recursive: true });
				mkdirSync(join(dir, "replica"), { recursive: true });
				if (serves !== undefined) writeFileSync(join(dir, SERVES_FILE), serves);
				if (postmasterPid !== undefined) writeFileSync(join(dir, "replica", "postmaster.pid"), `${postmasterPid}\n/data\n`);
			};
			const gone = join(checkout, "deleted-clone/.local/pg-e2e");
			folder("orphan", gone);
			folder("stale-pid", gone, 2 ** 22 + 1); // above pid_max's default: no such process
			folder("in-use", checkout);
			folder("still-running", gone, live.pid);
			folder("unmarked", undefined);
			expect(sweepOrphanedDataDirs(root).sort()).toEqual([join(root, "orphan"), join(root, "stale-pid")]);
			expect(readdirSync(root).sort()).toEqual(["in-use", "still-running", "unmarked"]);
			expect(sweepOrphanedDataDirs(join(root, "no-such-folder"))).toEqual([]);
		} finally {
			live.kill();
			rmSync(root, { recursive: true, force: true });
			rmSync(checkout, { recursive: true, force: true });
		}
	});
});
