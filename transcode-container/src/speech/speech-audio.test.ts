// The audio handed to Whisper on Workers AI (SPEECH_RECOGNISER=workers-ai): real FFmpeg chunks of a
// real clip, and a job that lists them beside its outputs (never among them) and serves them.
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeClip } from "../../../scripts/test-media.ts";
import type { JobView } from "../jobs.ts";
import { createTranscoder } from "../server.ts";
import { chunksFromList, makeSpeechAudio, SPEECH_CHUNK_SECONDS } from "./speech-audio.ts";

const dir = mkdtempSync(join(tmpdir(), "speech-audio-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const probe = (file: string) =>
	JSON.parse(
		spawnSync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,sample_rate,channels:format=duration", "-of", "json", file], {
			encoding: "utf8",
		}).stdout,
	) as { streams: { codec_name: string; sample_rate: string; channels: number }[]; format: { duration: string } };

describe("the audio for Whisper", () => {
	it("is 16 kHz mono MP3 in chunks of 30 s, each with its start in the video", async () => {
		const clip = makeClip(dir, { size: "180x320", seconds: 65, rate: 5, name: "long-audio.mp4" });
		const chunks = await makeSpeechAudio(clip.path, join(dir, "job"), { demuxer: "mov", durationS: 65 });
		expect(chunks.map((c) => c.path)).toEqual(["speech/chunk-000.mp3", "speech/chunk-001.mp3", "speech/chunk-002.mp3"]);
		// Cut at the MP3 frame nearest each 30 s: the list says exactly where, and that is what the cues are offset by.
		chunks.forEach((c, i) => {
			expect(Math.abs(c.start - i * SPEECH_CHUNK_SECONDS)).toBeLessThan(0.1);
		});
		chunks.slice(1).forEach((c, i) => {
			expect(c.start).toBeCloseTo((chunks[i]?.start ?? 0) + (chunks[i]?.seconds ?? 0), 3);
		});
		const total = chunks.reduce((s, c) => s + c.seconds, 0);
		expect(Math.abs(total - 65)).toBeLessThan(0.1);
		for (const c of chunks) {
			const p = probe(join(dir, "job", c.path));
			expect(p.streams).toEqual([{ codec_name: "mp3", sample_rate: "16000", channels: 1 }]);
			expect(Math.abs(Number(p.format.duration) - c.seconds)).toBeLessThan(0.1);
			// Well inside one request: about 4 KB a second.
			expect(c.bytes).toBeLessThan(150_000);
		}
	});

	it("reads the segment list, leaving out lines it cannot use", () => {
		const sizes = new Map([
			["chunk-000.mp3", 120_000],
			["chunk-001.mp3", 9_000],
		]);
		expect(chunksFromList("chunk-000.mp3,0.000000,30.001000\nchunk-001.mp3,30.001000,32.5\nchunk-009.mp3,40,41\nbad\n", sizes)).toEqual([
			{ path: "speech/chunk-000.mp3", contentType: "audio/mpeg", bytes: 120_000, start: 0, seconds: 30.001 },
			{ path: "speech/chunk-001.mp3", contentType: "audio/mpeg", bytes: 9_000, start: 30.001, seconds: 2.499 },
		]);
	});

	it("is listed by a job beside its outputs, not among them, and served; a silent video has none", async () => {
		const t = createTranscoder({
			port: 0,
			host: "127.0.0.1",
			workDir: join(dir, "work"),
			maxSourceBytes: 20 * 1024 * 1024,
			maxSourceSeconds: 60,
			speechRecogniser: "workers-ai",
		});
		t.server.listen(0, "127.0.0.1");
		await once(t.server, "listening");
		const url = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
		const finished = async (id: string) => {
			let job: JobView | undefined;
			while (job?.state !== "done" && job?.state !== "failed") {
				job = (await (await fetch(`${url}/jobs/${id}?waitMs=5000&after=${job?.progress ?? -1}`)).json()) as JobView;
			}
			return job;
		};
		try {
			const voiced = makeClip(dir, { size: "180x320", seconds: 3, name: "voiced.mp4" }).bytes;
			expect((await fetch(`${url}/jobs/voiced`, { method: "PUT", body: voiced })).status).toBe(202);
			const job = await finished("voiced");
			expect(job.state).toBe("done");
			expect(job.speech).toBeNull();
			expect(job.speechAudio).toMatchObject([{ path: "speech/chunk-000.mp3", contentType: "audio/mpeg", start: 0 }]);
			expect(job.files.some((f) => f.path.startsWith("speech/"))).toBe(false);
			const res = await fetch(`${url}/jobs/voiced/files/speech/chunk-000.mp3`);
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toBe("audio/mpeg");
			expect((await res.arrayBuffer()).byteLength).toBe(job.speechAudio[0]?.bytes);

			const silent = makeClip(dir, { size: "180x320", seconds: 2, silent: true, name: "silent.mp4" }).bytes;
			expect((await fetch(`${url}/jobs/silent`, { method: "PUT", body: silent })).status).toBe(202);
			expect((await finished("silent")).speechAudio).toEqual([]);
		} finally {
			await t.drain();
		}
	});
});
