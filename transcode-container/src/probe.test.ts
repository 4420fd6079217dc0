import { describe, expect, it } from "vitest";
import { interpretProbe, MAX_DIMENSION_PX, UnsupportedSource } from "./probe.ts";

const video = (extra: Record<string, unknown> = {}) => ({
	codec_type: "video",
	codec_name: "h264",
	width: 1920,
	height: 1080,
	avg_frame_rate: "30/1",
	nb_read_packets: "30",
	...extra,
});
const refusal = (fn: () => unknown) => {
	try {
		fn();
	} catch (err) {
		return err instanceof UnsupportedSource ? err.code : `unexpected ${String(err)}`;
	}
	return "accepted";
};

describe("interpretProbe", () => {
	it("reads duration, display size, codec and audio presence", () => {
		const out = interpretProbe(
			{ streams: [video(), { codec_type: "audio" }], format: { format_name: "mov,mp4", duration: "12.345", bit_rate: "800000" } },
			60,
		);
		expect(out).toEqual({
			format: "mov,mp4",
			durationMs: 12345,
			width: 1920,
			height: 1080,
			videoCodec: "h264",
			hasAudio: true,
			bitRate: 800000,
			frameRate: 30,
			frames: 30,
		});
	});

	it("swaps width and height for phone footage rotated a quarter turn", () => {
		const fromSideData = interpretProbe({ streams: [video({ side_data_list: [{ rotation: -90 }] })], format: { duration: "1" } }, 60);
		expect([fromSideData.width, fromSideData.height]).toEqual([1080, 1920]);
		const fromTag = interpretProbe({ streams: [video({ tags: { rotate: "270" } })], format: { duration: "1" } }, 60);
		expect([fromTag.width, fromTag.height]).toEqual([1080, 1920]);
		const upsideDown = interpretProbe({ streams: [video({ tags: { rotate: "180" } })], format: { duration: "1" } }, 60);
		expect([upsideDown.width, upsideDown.height]).toEqual([1920, 1080]);
	});

	it("counts frames rather than trusting the header: more than 240 per second of duration is refused", () => {
		const liar = { streams: [video({ avg_frame_rate: "30/1", nb_read_packets: "100000" })], format: { duration: "10" } };
		expect(refusal(() => interpretProbe(liar, 60))).toBe("too_many_frames");
		expect(refusal(() => interpretProbe({ streams: [video({ nb_read_packets: "0" })], format: { duration: "1" } }, 60))).toBe(
			"no_video_frames",
		);
		// A declared rate lower than the counted one does not hide the frames: the larger is reported.
		const slowMo = interpretProbe(
			{ streams: [video({ avg_frame_rate: "30/1", nb_read_packets: "2400" })], format: { duration: "10" } },
			60,
		);
		expect(slowMo.frameRate).toBe(240);
	});

	it("refuses audio-only files, zero or missing durations, overlong and oversized sources", () => {
		expect(refusal(() => interpretProbe({ streams: [{ codec_type: "audio" }], format: { duration: "3" } }, 60))).toBe("no_video_stream");
		expect(refusal(() => interpretProbe({ streams: [video()], format: { duration: "0" } }, 60))).toBe("zero_duration");
		expect(refusal(() => interpretProbe({ streams: [video()], format: {} }, 60))).toBe("zero_duration");
		expect(refusal(() => interpretProbe({ streams: [video()], format: { duration: "61" } }, 60))).toBe("too_long");
		expect(refusal(() => interpretProbe({ streams: [video({ width: MAX_DIMENSION_PX + 1 })], format: { duration: "1" } }, 60))).toBe(
			"dimensions_too_large",
		);
	});
});
