import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frameCodeOf, makeFrameCodeClip } from "../../scripts/test-media.ts";
import type { JobView } from "./jobs.ts";
import { createTranscoder, type Transcoder } from "./server.ts";

const scratch = mkdtempSync(join(tmpdir(), "clip-test-"));
const RATE = 15;
let t: Transcoder;
let url: string;
let source: Buffer;

async function finished(id: string): Promise<JobView> {
	let job: JobView | undefined;
	while (job?.state !== "done" && job?.state !== "failed") {
		job = (await (await fetch(`${url}/jobs/${id}?waitMs=5000&after=${job?.progress ?? -1}`)).json()) as JobView;
	}
	return job;
}

/** Seconds of each stream of `file`, and its first frame as a JPEG. */
function streamsOf(file: string) {
	const r = spawnSync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,duration,nb_frames", "-of", "json", file], {
		encoding: "utf8",
	});
	const streams = (JSON.parse(r.stdout) as { streams: { codec_type: string; duration: string; nb_frames: string }[] }).streams;
	const first = spawnSync("ffmpeg", ["-v", "error", "-i", file, "-frames:v", "1", "-f", "image2", "-c:v", "mjpeg", "-"]).stdout;
	return { streams, first };
}

beforeAll(async () => {
	t = createTranscoder({
		port: 0,
		host: "127.0.0.1",
		workDir: join(scratch, "work"),
		maxSourceBytes: 20 * 1024 * 1024,
		maxSourceSeconds: 60,
	});
	t.server.listen(0, "127.0.0.1");
	await once(t.server, "listening");
	url = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
	source = makeFrameCodeClip(scratch, { seconds: 8, rate: RATE, silent: false }).bytes;
});
afterAll(async () => {
	await t.drain();
});

describe("a clip job", () => {
	it("cuts the range exactly (its first frame is the one at the start, its length the range's, its audio as long) and hands it back as the clip's source", async () => {
		const res = await fetch(`${url}/jobs/clip-a?clipStart=2.2&clipEnd=5`, { method: "PUT", body: source });
		expect(res.status).toBe(202);
		const job = await finished("clip-a");
		expect(job.state).toBe("done");
		expect(job.probe.durationMs).toBe(2800);
		const file = job.files.find((f) => f.path === "source.mp4");
		expect(file).toMatchObject({ role: "source", contentType: "video/mp4" });
		const path = join(scratch, "clip-a.mp4");
		writeFileSync(path, Buffer.from(await (await fetch(`${url}/jobs/clip-a/files/source.mp4`)).arrayBuffer()));
		const { streams, first } = streamsOf(path);
		// Frame 33 is on screen from 2.2 s; 2.8 s at 15 fps is 42 frames.
		expect(frameCodeOf(first, scratch)).toBe(33);
		const video = streams.find((s) => s.codec_type === "video");
		const audio = streams.find((s) => s.codec_type === "audio");
		expect(Number(video?.nb_frames)).toBe(42);
		expect(Math.abs(Number(audio?.duration) - Number(video?.duration))).toBeLessThanOrEqual(1 / RATE);
		// The ladder is made from the cut: its first segment starts with the same frame.
		const init = await (await fetch(`${url}/jobs/clip-a/files/hls/0/init.m4s`)).arrayBuffer();
		const seg = await (await fetch(`${url}/jobs/clip-a/files/hls/0/seg-00001.m4s`)).arrayBuffer();
		const ladder = join(scratch, "clip-a-seg.mp4");
		writeFileSync(ladder, Buffer.concat([Buffer.from(init), Buffer.from(seg)]));
		expect(frameCodeOf(streamsOf(ladder).first, scratch)).toBe(33);
	});

	it("refuses a range outside the source (422) or malformed (400)", async () => {
		const out = await fetch(`${url}/jobs/clip-b?clipStart=6&clipEnd=9`, { method: "PUT", body: source });
		expect(out.status).toBe(422);
		expect(await out.json()).toMatchObject({ code: "clip_out_of_range" });
		for (const q of ["clipStart=1", "clipStart=2&clipEnd=2.2", "clipStart=-1&clipEnd=2", "clipStart=a&clipEnd=2"]) {
			const bad = await fetch(`${url}/jobs/clip-c?${q}`, { method: "PUT", body: source });
			expect(bad.status, q).toBe(400);
			expect(await bad.json()).toMatchObject({ code: "invalid_clip" });
		}
		// Counted in whole milliseconds, as the Worker counts: 0.956 − 0.456 is half a second, not 0.49999….
		const edge = await fetch(`${url}/jobs/clip-d?clipStart=0.456&clipEnd=0.956`, { method: "PUT", body: source });
		expect(edge.status).toBe(202);
		expect((await finished("clip-d")).probe.durationMs).toBe(500);
	});
});

describe("a source too long for a video, kept to be trimmed", () => {
	/** Videos of at most 3 s, originals of at most 6 s: the 8 s source is too long for either. */
	async function strict(maxOriginalSeconds: number) {
		const s = createTranscoder({
			port: 0,
			host: "127.0.0.1",
			workDir: join(scratch, `strict-${maxOriginalSeconds}`),
			maxSourceBytes: 20 * 1024 * 1024,
			maxSourceSeconds: 3,
			maxOriginalSeconds,
		});
		s.server.listen(0, "127.0.0.1");
		await once(s.server, "listening");
		return { s, url: `http://127.0.0.1:${(s.server.address() as AddressInfo).port}` };
	}

	it("is refused as too_long with its length and the limit when it is within MAX_ORIGINAL_SECONDS, and a clip within the limit is made of it", async () => {
		const { s, url: base } = await strict(10);
		try {
			const whole = await fetch(`${base}/jobs/long-whole`, { method: "PUT", body: source });
			expect(whole.status).toBe(422);
			expect(await whole.json()).toEqual({
				code: "too_long",
				message: "the source is longer than 3s",
				trim: { durationMs: 8000, maxSeconds: 3 },
			});
			const clip = await fetch(`${base}/jobs/long-clip?clipStart=4&clipEnd=7`, { method: "PUT", body: source });
			expect(clip.status).toBe(202);
			let job: JobView | undefined;
			while (job?.state !== "done" && job?.state !== "failed") {
				job = (await (await fetch(`${base}/jobs/long-clip?waitMs=5000&after=${job?.progress ?? -1}`)).json()) as JobView;
			}
			expect(job.state).toBe("done");
			expect(job.probe.durationMs).toBe(3000);
			// A range longer than the limit is still refused: trimming cannot make a long video.
			const over = await fetch(`${base}/jobs/long-over?clipStart=1&clipEnd=4.001`, { method: "PUT", body: source });
			expect(over.status).toBe(422);
			expect(await over.json()).toMatchObject({ code: "clip_too_long" });
		} finally {
			await s.drain();
		}
	});

	it("past MAX_ORIGINAL_SECONDS is too_long with nothing to trim, whole or as a clip", async () => {
		const { s, url: base } = await strict(6);
		try {
			const whole = await fetch(`${base}/jobs/longer-whole`, { method: "PUT", body: source });
			expect(whole.status).toBe(422);
			expect(await whole.json()).toEqual({ code: "too_long", message: "the source is longer than 6s" });
			const clip = await fetch(`${base}/jobs/longer-clip?clipStart=1&clipEnd=3`, { method: "PUT", body: source });
			expect(clip.status).toBe(422);
			expect(await clip.json()).toMatchObject({ code: "too_long" });
		} finally {
			await s.drain();
		}
	});
});
