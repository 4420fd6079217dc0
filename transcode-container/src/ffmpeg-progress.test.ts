import { describe, expect, it } from "vitest";
import { progressReader } from "./ffmpeg-progress.ts";

describe("progressReader", () => {
	it("reports the fraction of the source encoded, across arbitrary chunk boundaries", () => {
		const seen: number[] = [];
		const read = progressReader(10, (p) => seen.push(p));
		read("frame=1\nout_time_us=N/A\nprogress=cont");
		read("inue\nout_time_us=2500000\nout_time_ms=2500000\nprogress=continue\nout_ti");
		read("me_us=5000000\nprogress=continue\n");
		expect(seen).toEqual([0, 0.25, 0.5]);
	});

	it("holds below 1 until FFmpeg says it has ended, and never goes backwards", () => {
		const seen: number[] = [];
		const read = progressReader(2, (p) => seen.push(p));
		read("out_time_us=2100000\nprogress=continue\nout_time_us=1000000\nprogress=continue\nprogress=end\n");
		expect(seen).toEqual([0.99, 0.99, 1]);
	});
});
