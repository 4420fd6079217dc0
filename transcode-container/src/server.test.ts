import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TranscoderConfig } from "./config.ts";
import { createTranscoder, type Transcoder } from "./server.ts";

const scratch = mkdtempSync(join(tmpdir(), "transcoder-test-"));
const workDir = join(scratch, "work");

/** A real clip made by ffmpeg: 2 s, 240x426 portrait, H.264 + AAC. */
function makeClip(): Buffer {
	const path = join(scratch, "clip.mp4");
	const r = spawnSync("ffmpeg", [
		"-v",
		"error",
		"-y",
		"-f",
		"lavfi",
		"-i",
		"testsrc=size=240x426:rate=25",
		"-f",
		"lavfi",
		"-i",
		"sine=frequency=330",
		"-t",
		"2",
		"-c:v",
		"libx264",
		"-pix_fmt",
		"yuv420p",
		"-c:a",
		"aac",
		path,
	]);
	if (r.status !== 0) throw new Error("ffmpeg is required for these tests: apt-get install -y ffmpeg");
	return readFileSync(path);
}

async function start(overrides: Partial<TranscoderConfig> = {}) {
	const t = createTranscoder({
		port: 0,
		host: "127.0.0.1",
		workDir,
		maxSourceBytes: 10 * 1024 * 1024,
		maxSourceSeconds: 60,
		maxConcurrentJobs: 2,
		...overrides,
	});
	t.server.listen(0, "127.0.0.1");
	await once(t.server, "listening");
	const { port } = t.server.address() as AddressInfo;
	return { t, url: `http://127.0.0.1:${port}` };
}

let clip: Buffer;
let main: { t: Transcoder; url: string };
beforeAll(async () => {
	clip = makeClip();
	main = await start();
});
afterAll(async () => {
	await main.t.drain();
});

describe("transcoder service", () => {
	it("probes a real video streamed in the request body", async () => {
		const res = await fetch(`${main.url}/probe`, { method: "POST", body: clip });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ durationMs: 2000, width: 240, height: 426, videoCodec: "h264", hasAudio: true });
	});

	it("answers 422 with a reason for bytes that are not media", async () => {
		const res = await fetch(`${main.url}/probe`, { method: "POST", body: "plain text, not a video" });
		expect(res.status).toBe(422);
		expect(await res.json()).toMatchObject({ code: "unreadable_media" });
	});

	it("refuses a source over the size limit with 413, declared or streamed", async () => {
		const small = await start({ maxSourceBytes: 1024 });
		try {
			const declared = await fetch(`${small.url}/probe`, { method: "POST", body: clip });
			expect(declared.status).toBe(413);
			// A chunked body has no Content-Length: the limit is enforced while streaming.
			const stream = new ReadableStream({
				start(controller) {
					controller.enqueue(new Uint8Array(clip));
					controller.close();
				},
			});
			const streamed = await fetch(`${small.url}/probe`, { method: "POST", body: stream, duplex: "half" } as RequestInit);
			expect(streamed.status).toBe(413);
		} finally {
			await small.t.drain();
		}
	});

	it("refuses a source longer than the configured maximum", async () => {
		const strict = await start({ maxSourceSeconds: 1 });
		try {
			const res = await fetch(`${strict.url}/probe`, { method: "POST", body: clip });
			expect(res.status).toBe(422);
			expect(await res.json()).toMatchObject({ code: "too_long" });
		} finally {
			await strict.t.drain();
		}
	});

	it("answers 429 with Retry-After when every job slot is busy", async () => {
		const busy = await start();
		try {
			busy.t.metrics.running = 2; // both slots taken
			const res = await fetch(`${busy.url}/probe`, { method: "POST", body: clip });
			expect(res.status).toBe(429);
			expect(res.headers.get("retry-after")).toBe("5");
			expect(busy.t.metrics.rejectedBusy).toBe(1);
		} finally {
			busy.t.metrics.running = 0;
			await busy.t.drain();
		}
	});

	it("leaves no temp files behind, whatever the outcome", async () => {
		await fetch(`${main.url}/probe`, { method: "POST", body: clip });
		await fetch(`${main.url}/probe`, { method: "POST", body: "junk" });
		expect(readdirSync(workDir)).toEqual([]);
	});

	it("reports health with the ffmpeg version, and Prometheus metrics", async () => {
		const health = await fetch(`${main.url}/health`);
		expect(health.status).toBe(200);
		expect(await health.json()).toMatchObject({ status: "ok", ffmpeg: expect.stringContaining("ffmpeg version"), capacity: 2 });
		const metrics = await (await fetch(`${main.url}/metrics`)).text();
		expect(metrics).toMatch(/^transcoder_jobs_total\{outcome="done"\} [1-9]\d*$/m);
		expect(metrics).toMatch(/^transcoder_jobs_total\{outcome="failed"\} [1-9]\d*$/m);
		expect(metrics).toContain("transcoder_jobs_running 0");
	});

	it("answers unknown routes with 404 JSON", async () => {
		const res = await fetch(`${main.url}/nope`);
		expect(res.status).toBe(404);
		expect(await res.json()).toMatchObject({ code: "not_found" });
	});
});
