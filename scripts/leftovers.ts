// What a transcoder working in a folder left behind, for the tests that prove a stream leaves nothing:
// its live FFmpeg processes (they read the stream from stdin and write under that folder) and its
// live stream folders.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

/** FFmpeg processes encoding a live stream for the transcoder working in `workDir`. */
export function liveFfmpegsIn(workDir: string): number {
	// `--`: a pattern starting with "-" would be read as pgrep's own options (and fail, matching nothing).
	const r = spawnSync("pgrep", ["-f", "--", `-i pipe:0 .*${workDir}`], { encoding: "utf8" });
	if (r.status === 1) return 0; // nothing matched
	if (r.status !== 0) throw new Error(`pgrep failed (${r.status}): ${r.stderr || r.error?.message}`);
	return r.stdout.trim().split("\n").filter(Boolean).length;
}

/** Live stream folders (`live-<id>-…`) in `workDir`. */
export function liveFoldersIn(workDir: string): string[] {
	try {
		return readdirSync(workDir).filter((n) => n.startsWith("live-"));
	} catch {
		return [];
	}
}
