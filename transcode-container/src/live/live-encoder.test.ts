import { describe, expect, it } from "vitest";
import { LiveEncoder } from "./live-encoder.ts";

// FFmpeg reading stdin as MPEG-TS and writing nothing: enough to see how an encoder ends.
const READS_STDIN = ["-hide_banner", "-f", "mpegts", "-i", "pipe:0", "-f", "null", "-"];

describe("LiveEncoder", () => {
	it("tells an exit nobody asked for from a stop (a crashed encode must fail its stream)", async () => {
		// FFmpeg fails on its own (here: a demuxer that does not exist), with its stdin open.
		const crashing = new LiveEncoder(["-hide_banner", "-f", "no_such_demuxer", "-i", "pipe:0", "-f", "null", "-"]);
		expect((await crashing.exited).code).not.toBe(0);
		// Node destroyed its stdin on exit; that is not a stop we asked for.
		expect(crashing.stopping).toBe(false);
		await crashing.write(Buffer.from("nowhere to go"));

		const exitsByItself = new LiveEncoder(["-hide_banner", "-f", "lavfi", "-i", "nullsrc=d=0.1", "-f", "null", "-"]);
		const own = await exitsByItself.exited;
		expect(own.code).toBe(0);
		// Node destroyed its stdin on exit; that is not a stop we asked for.
		expect(exitsByItself.stopping).toBe(false);
	});

	it("counts stop() and kill() as asked for, and writes nothing after them", async () => {
		const stopped = new LiveEncoder(READS_STDIN);
		await stopped.stop();
		expect(stopped.stopping).toBe(true);
		await stopped.write(Buffer.from("ignored"));

		const killed = new LiveEncoder(READS_STDIN);
		await killed.kill();
		expect(killed.stopping).toBe(true);
		expect((await killed.exited).signal).toBe("SIGKILL");
	});
});
