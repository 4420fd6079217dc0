import { once } from "node:events";
import { mkdtempSync, readdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ffprobeVideo, frameCodeOf, makeFrameCodeClip } from "../../scripts/test-media.ts";
import type { JobView } from "./jobs.ts";
import { createTranscoder, type Transcoder } from "./server.ts";

const scratch = mkdtempSync(join(tmpdir(), "frame-test-"));
const workDir = join(scratch, "work");
/** The frame-code clip's rate: frame n is on screen from n/15 s. */
const RATE = 15;

let t: Transcoder;
let url: string;
let segment: Buffer;
let segmentStartS: number;

const frame = (query: string, body: Uint8Array = segment) => fetch(`${url}/frames?${query}`, { method: "POST", body });

beforeAll(async () => {
	t = createTranscoder({ port: 0, host: "127.0.0.1", workDir, maxSourceBytes: 10 * 1024 * 1024, maxSourceSeconds: 60 });
	t.server.listen(0, "127.0.0.1");
	await once(t.server, "listening");
	url = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
	// A real job's output: the second segment of the top rung, as the Worker sends it.
	const clip = makeFrameCodeClip(scratch, { seconds: 6, rate: RATE });
	expect((await fetch(`${url}/jobs/frames`, { method: "PUT", body: clip.bytes })).status).toBe(202);
	let job: JobView | undefined;
	while (job?.state !== "done") {
		job = (await (await fetch(`${url}/jobs/frames?waitMs=5000&after=${job?.progress ?? -1}`)).json()) as JobView;
		if (job.state === "failed") throw new Error(`job failed: ${job.error?.message}`);
	}
	const file = async (path: string) => Buffer.from(await (await fetch(`${url}/jobs/frames/files/${path}`)).arrayBuffer());
	const playlist = (await file("hls/0/playlist.m3u8")).toString();
	segmentStartS = Number(/#EXTINF:([\d.]+)/.exec(playlist)?.[1]);
	segment = Buffer.concat([await file("hls/0/init.m4s"), await file("hls/0/seg-00002.m4s")]);
});
afterAll(async () => {
	await t.drain();
});

describe("POST /frames", () => {
	it("answers the frame on screen at the time asked, counted from the piece's start", async () => {
		for (const at of [0, 0.5, 1.2]) {
			const res = await frame(`at=${at}`);
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toBe("image/jpeg");
			const shown = frameCodeOf(Buffer.from(await res.arrayBuffer()), scratch);
			// On screen at t: the last frame that started at or before it.
			expect(shown).toBe(Math.floor((segmentStartS + at) * RATE + 1e-6));
		}
	});

	it("gives the piece's last frame for a time between it and the piece's end", async () => {
		const res = await frame("at=1.99");
		expect(frameCodeOf(Buffer.from(await res.arrayBuffer()), scratch)).toBe(Math.round((segmentStartS + 2) * RATE) - 1);
	});

	it("scales to the size asked", async () => {
		const res = await frame("at=0.3&width=90&height=160");
		expect(ffprobeVideo(Buffer.from(await res.arrayBuffer()), scratch)).toMatchObject({ width: 90, height: 160 });
	});

	it("refuses a bad time or size with 400 before decoding anything", async () => {
		for (const q of ["", "at=-1", "at=abc", "at=4000", "at=1&width=91&height=160", "at=1&width=90", "at=1&width=8192&height=2"]) {
			const res = await frame(q);
			expect(res.status, q).toBe(400);
			expect(await res.json()).toMatchObject({ code: "invalid_frame_request" });
		}
	});

	it("answers 422 for bytes that are not video, and leaves no file behind", async () => {
		const res = await frame("at=0", new TextEncoder().encode("not a video at all"));
		expect(res.status).toBe(422);
		expect(await res.json()).toMatchObject({ code: "frame_unreadable" });
		expect(readdirSync(workDir).filter((f) => f.startsWith("frame-"))).toEqual([]);
	});

	it("answers 413 for a piece larger than any segment", async () => {
		const res = await frame("at=0", new Uint8Array(33 * 1024 * 1024));
		expect(res.status).toBe(413);
		expect(readdirSync(workDir).filter((f) => f.startsWith("frame-"))).toEqual([]);
	});
});
