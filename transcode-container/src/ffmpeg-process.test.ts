import { describe, expect, it } from "vitest";
import { ffmpegSucceeds, lastLines, startFfmpeg } from "./ffmpeg-process.ts";

describe("startFfmpeg", () => {
	it("keeps the end of stderr, which says why a run failed", async () => {
		const exit = await startFfmpeg(["-hide_banner", "-i", "/nonexistent/input.mp4"]).exited;
		expect(exit.code).not.toBe(0);
		expect(lastLines(exit, 1)).toMatch(/No such file or directory/);
	});

	it("is killed outright when its signal aborts, and the exit still resolves", async () => {
		const abort = new AbortController();
		// Reads a never-ending source: only the abort ends it.
		const run = startFfmpeg(["-hide_banner", "-f", "lavfi", "-i", "anullsrc", "-f", "null", "-"], { signal: abort.signal });
		abort.abort();
		const exit = await run.exited;
		expect(exit.code === -1 || exit.signal === "SIGKILL").toBe(true);
	});

	it("says whether a run succeeded", async () => {
		expect(await ffmpegSucceeds(["-hide_banner", "-f", "lavfi", "-i", "color=size=16x16:duration=0.1", "-f", "null", "-"])).toBe(true);
		expect(await ffmpegSucceeds(["-hide_banner", "-i", "/nonexistent/input.mp4", "-f", "null", "-"])).toBe(false);
	});

	it("names an exit with no output by its code", () => {
		expect(lastLines({ code: 3, signal: null, stderr: "" }, 2)).toBe("exit 3");
		expect(lastLines({ code: 1, signal: null, stderr: "a\nb\nc\n" }, 2)).toBe("b | c");
	});
});
