import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ffprobeVideo, makeClip } from "../../scripts/test-media.ts";
import type { TranscoderConfig } from "./config.ts";
import type { JobView } from "./jobs.ts";
import { previewSize } from "./preview.ts";
import { createTranscoder, type Transcoder } from "./server.ts";

const scratch = mkdtempSync(join(tmpdir(), "transcoder-test-"));
const workDir = join(scratch, "work");

const probe = (bytes: Buffer) => ffprobeVideo(bytes, scratch);

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

async function finished(url: string, id: string): Promise<JobView> {
	for (let i = 0; i < 600; i++) {
		const job = (await (await fetch(`${url}/jobs/${id}`)).json()) as JobView;
		if (job.state !== "running") return job;
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(`job ${id} did not finish`);
}

let clip: Buffer;
let silentClip: Buffer;
let main: { t: Transcoder; url: string };
beforeAll(async () => {
	// 25 fps: a 2 s segment holds exactly 50 frames.
	clip = makeClip(scratch, { size: "480x854", seconds: 3, rate: 25 }).bytes;
	silentClip = makeClip(scratch, { size: "240x426", seconds: 1, rate: 25, silent: true }).bytes;
	main = await start();
});
afterAll(async () => {
	await main.t.drain();
});

describe("transcode jobs", () => {
	let job: JobView;
	const file = async (path: string) => Buffer.from(await (await fetch(`${main.url}/jobs/portrait/files/${path}`)).arrayBuffer());

	beforeAll(async () => {
		const res = await fetch(`${main.url}/jobs/portrait`, { method: "PUT", body: clip });
		expect(res.status).toBe(202);
		expect(await res.json()).toMatchObject({ state: "running", probe: { width: 480, height: 854, hasAudio: true } });
		job = await finished(main.url, "portrait");
	});

	it("makes the ladder without upscaling and reports what the master playlist advertises", () => {
		expect(job).toMatchObject({ state: "done", progress: 1 });
		expect(job.renditions.map((r) => [r.width, r.height, r.playlist])).toEqual([
			[480, 854, "hls/0/playlist.m3u8"],
			[360, 640, "hls/1/playlist.m3u8"],
		]);
		expect(job.renditions[0]?.bandwidth).toBeGreaterThan(job.renditions[1]?.bandwidth ?? Infinity);
	});

	it("lists every output with its size, segments first and the manifests last", () => {
		const paths = job.files.map((f) => f.path);
		expect(paths).toEqual(
			expect.arrayContaining(["hls/master.m3u8", "dash/manifest.mpd", "poster.jpg", "thumb.jpg", "storyboard.jpg", "storyboard.vtt"]),
		);
		expect(paths).toEqual(expect.arrayContaining(["hls/0/init.m4s", "hls/0/seg-00001.m4s", "hls/2/init.m4s"]));
		expect(paths.slice(-2).sort()).toEqual(["dash/manifest.mpd", "hls/master.m3u8"]);
		expect(paths.filter((p) => p.includes("storyboard-tiles") || p.startsWith("dash/media_"))).toEqual([]);
		expect(job.files.find((f) => f.path === "dash/manifest.mpd")?.contentType).toBe("application/dash+xml");
	});

	it("produces segments that decode at each rung's size, cut on the same 2 s grid", async () => {
		for (const [rep, width, height] of [
			[0, 480, 854],
			[1, 360, 640],
		] as const) {
			const playlist = (await file(`hls/${rep}/playlist.m3u8`)).toString();
			expect(playlist).toContain('#EXT-X-MAP:URI="init.m4s"');
			expect(playlist).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
			expect(playlist.match(/#EXTINF:([\d.]+)/g)).toEqual(["#EXTINF:2.000000", "#EXTINF:1.000000"]);
			const decoded = probe(Buffer.concat([await file(`hls/${rep}/init.m4s`), await file(`hls/${rep}/seg-00001.m4s`)]));
			expect(decoded).toEqual({ width, height, frames: 50 });
		}
	});

	it("writes one DASH manifest over the same segments as HLS", async () => {
		const mpd = (await file("dash/manifest.mpd")).toString();
		expect(mpd).toContain('initialization="../hls/$RepresentationID$/init.m4s"');
		expect(mpd).toContain('width="480" height="854"');
		expect(mpd).toContain('contentType="audio"');
		const master = (await file("hls/master.m3u8")).toString();
		expect(master).toContain('URI="2/playlist.m3u8"');
		expect(master).toContain("RESOLUTION=360x640");
	});

	it("makes a small, muted animated preview of the clip at a quarter of the top rung's size or less", async () => {
		const preview = job.files.find((f) => f.path === "preview.mp4");
		expect(preview).toMatchObject({ role: "preview", contentType: "video/mp4" });
		expect(preview?.bytes).toBeLessThan(200 * 1024);
		const bytes = await file("preview.mp4");
		// 15 frames a second for the whole 3 s clip, at short side 240.
		expect(probe(bytes)).toEqual({ ...previewSize(480, 854), frames: 45 });
		const streams = spawnSync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", "-"], { input: bytes });
		expect(streams.stdout.toString().trim()).toBe("video");
	});

	it("makes a poster, a thumbnail and a storyboard whose cues cover the clip", async () => {
		expect(probe(await file("poster.jpg"))).toMatchObject({ width: 480, height: 854 });
		expect(probe(await file("thumb.jpg"))).toMatchObject({ width: 360, height: 640 });
		expect(probe(await file("storyboard.jpg"))).toMatchObject({ width: 270, height: 160 });
		const vtt = (await file("storyboard.vtt")).toString();
		expect(vtt.match(/-->/g)).toHaveLength(3);
		expect(vtt).toContain("00:00:02.000 --> 00:00:03.000\nstoryboard.jpg#xywh=180,0,90,160");
	});

	it("answers a repeated PUT with the job it already has instead of transcoding twice", async () => {
		const res = await fetch(`${main.url}/jobs/portrait`, { method: "PUT", body: clip });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ state: "done", files: job.files });
		expect(main.t.metrics.done).toBe(1);
	});

	it("serves only listed outputs, never other paths", async () => {
		for (const path of ["source", "..%2F..%2Fetc%2Fpasswd", "hls/0/../../source", "dash/media_0.m3u8"]) {
			const res = await fetch(`${main.url}/jobs/portrait/files/${path}`);
			expect(res.status).toBe(404);
		}
		expect((await fetch(`${main.url}/jobs/..%2Fx`)).status).toBe(404);
	});
});

describe("progressive publishing", () => {
	it("lists finished segments and EVENT playlists over them while FFmpeg runs, then hands over to the VOD outputs", {
		timeout: 60_000,
	}, async () => {
		const long = makeClip(scratch, { size: "480x854", seconds: 30, rate: 25 }).bytes;
		expect((await fetch(`${main.url}/jobs/progressive`, { method: "PUT", body: long })).status).toBe(202);
		let view: JobView = (await (await fetch(`${main.url}/jobs/progressive`)).json()) as JobView;
		// Long polls: each answers on a finished segment, so a running view with published segments is seen.
		while (view.state === "running" && !view.progressive) {
			view = (await (await fetch(`${main.url}/jobs/progressive?waitMs=5000&after=${view.progress}`)).json()) as JobView;
		}
		expect(view.state).toBe("running");
		const progressive = view.progressive;
		if (!progressive) throw new Error("no progressive outputs before the end");
		expect(progressive.playlists.map((p) => p.path).sort()).toEqual([
			"hls/0/playlist.m3u8",
			"hls/1/playlist.m3u8",
			"hls/2/playlist.m3u8",
			"hls/master.m3u8",
		]);
		for (const rep of [0, 1, 2]) {
			const text = progressive.playlists.find((p) => p.path === `hls/${rep}/playlist.m3u8`)?.text ?? "";
			expect(text).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
			expect(text).toContain("#EXT-X-START:TIME-OFFSET=0");
			expect(text).not.toContain("#EXT-X-ENDLIST");
			const listed = text.split("\n").filter((l) => l.startsWith("seg-"));
			expect(listed.length).toBeGreaterThan(0);
			// Exactly the segments the playlist lists are offered, plus the init segment.
			expect(
				progressive.files
					.filter((f) => f.path.startsWith(`hls/${rep}/`))
					.map((f) => f.path)
					.sort(),
			).toEqual([`hls/${rep}/init.m4s`, ...listed.map((l) => `hls/${rep}/${l}`)].sort());
		}
		expect(progressive.renditions.map((r) => r.height)).toEqual([854, 640]);
		// A finished segment can be fetched while the pass runs, and decodes at its rung's size.
		const get = async (path: string) => Buffer.from(await (await fetch(`${main.url}/jobs/progressive/files/${path}`)).arrayBuffer());
		expect(probe(Buffer.concat([await get("hls/0/init.m4s"), await get("hls/0/seg-00001.m4s")]))).toEqual({
			width: 480,
			height: 854,
			frames: 50,
		});
		// One it has not finished is not offered.
		expect((await fetch(`${main.url}/jobs/progressive/files/hls/0/seg-00015.m4s`)).status).toBe(404);

		const done = await finished(main.url, "progressive");
		expect(done).toMatchObject({ state: "done", progressive: null });
		const vod = Buffer.from(await (await fetch(`${main.url}/jobs/progressive/files/hls/0/playlist.m3u8`)).arrayBuffer()).toString();
		expect(vod).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
		expect(vod).toContain("#EXT-X-ENDLIST");
		expect(vod.match(/^seg-/gm)).toHaveLength(15);
	});
});

describe("transcoder service", () => {
	it("leaves out audio for a silent source", async () => {
		expect((await fetch(`${main.url}/jobs/silent`, { method: "PUT", body: silentClip })).status).toBe(202);
		const job = await finished(main.url, "silent");
		expect(job.state).toBe("done");
		expect(job.renditions.map((r) => `${r.width}x${r.height}`)).toEqual(["240x426"]);
		expect(job.files.map((f) => f.path)).not.toContain("hls/1/init.m4s");
		const master = await (await fetch(`${main.url}/jobs/silent/files/hls/master.m3u8`)).text();
		expect(master).not.toContain("AUDIO");
	});

	it("holds a status long poll until the job ends, not until the wait runs out", { timeout: 10_000 }, async () => {
		expect((await fetch(`${main.url}/jobs/long-poll`, { method: "PUT", body: silentClip })).status).toBe(202);
		// 20 s is longer than this test may take: only wake-ups answer in time. A running answer comes
		// early only for a finished segment (progressive publishing); the end answers at once.
		let view = { state: "running" } as JobView;
		for (let polls = 0; polls < 5 && view.state === "running"; polls++) {
			view = (await (await fetch(`${main.url}/jobs/long-poll?waitMs=20000&after=0.999`)).json()) as JobView;
			if (view.state === "running") expect(view.progressive?.files.length).toBeGreaterThan(0);
		}
		expect(view).toMatchObject({ state: "done", progress: 1 });
		expect((await fetch(`${main.url}/jobs/nobody?waitMs=20000`)).status).toBe(404);
	});

	it("reclaims a job's disk on DELETE and forgets it", async () => {
		await fetch(`${main.url}/jobs/to-delete`, { method: "PUT", body: silentClip });
		await finished(main.url, "to-delete");
		expect(readdirSync(workDir).some((d) => d.startsWith("job-to-delete-"))).toBe(true);
		expect((await fetch(`${main.url}/jobs/to-delete`, { method: "DELETE" })).status).toBe(204);
		expect(readdirSync(workDir).some((d) => d.startsWith("job-to-delete-"))).toBe(false);
		expect((await fetch(`${main.url}/jobs/to-delete`)).status).toBe(404);
		expect((await fetch(`${main.url}/jobs/to-delete`, { method: "DELETE" })).status).toBe(404);
	});

	it("kills FFmpeg when a running job is deleted", async () => {
		const res = await fetch(`${main.url}/jobs/cancelled`, { method: "PUT", body: clip });
		expect(res.status).toBe(202);
		expect((await fetch(`${main.url}/jobs/cancelled`, { method: "DELETE" })).status).toBe(204);
		for (let i = 0; i < 100 && main.t.metrics.running > 0; i++) await new Promise((r) => setTimeout(r, 20));
		expect(main.t.metrics.running).toBe(0);
		expect(readdirSync(workDir).some((d) => d.startsWith("job-cancelled-"))).toBe(false);
	});

	it("answers 422 with a reason for bytes that are not media, and keeps no job", async () => {
		const res = await fetch(`${main.url}/jobs/junk`, { method: "PUT", body: "plain text, not a video" });
		expect(res.status).toBe(422);
		expect(await res.json()).toMatchObject({ code: "unreadable_media" });
		expect((await fetch(`${main.url}/jobs/junk`)).status).toBe(404);
	});

	it("refuses a source over the size limit with 413, declared or streamed", async () => {
		const small = await start({ maxSourceBytes: 1024, workDir: join(scratch, "small") });
		try {
			const declared = await fetch(`${small.url}/jobs/big`, { method: "PUT", body: clip });
			expect(declared.status).toBe(413);
			// A chunked body has no Content-Length: the limit is enforced while streaming.
			const stream = new ReadableStream({
				start(controller) {
					controller.enqueue(new Uint8Array(clip));
					controller.close();
				},
			});
			const streamed = await fetch(`${small.url}/jobs/big`, { method: "PUT", body: stream, duplex: "half" } as RequestInit);
			expect(streamed.status).toBe(413);
			expect(readdirSync(join(scratch, "small"))).toEqual([]);
		} finally {
			await small.t.drain();
		}
	});

	it("refuses a source longer than the configured maximum", async () => {
		const strict = await start({ maxSourceSeconds: 1, workDir: join(scratch, "strict") });
		try {
			const res = await fetch(`${strict.url}/jobs/long`, { method: "PUT", body: clip });
			expect(res.status).toBe(422);
			expect(await res.json()).toMatchObject({ code: "too_long" });
		} finally {
			await strict.t.drain();
		}
	});

	it("refuses a source longer than the job's own maxSeconds, which can lower the limit but never raise it", async () => {
		const refused = await fetch(`${main.url}/jobs/short-limit?maxSeconds=2`, { method: "PUT", body: clip });
		expect(refused.status).toBe(422);
		expect(await refused.json()).toMatchObject({ code: "too_long", message: "the source is longer than 2s" });
		// Asking for more than MAX_SOURCE_SECONDS gets MAX_SOURCE_SECONDS.
		const strict = await start({ maxSourceSeconds: 1, workDir: join(scratch, "strict-job") });
		try {
			const res = await fetch(`${strict.url}/jobs/raised?maxSeconds=3600`, { method: "PUT", body: clip });
			expect(res.status).toBe(422);
			expect(await res.json()).toMatchObject({ code: "too_long", message: "the source is longer than 1s" });
		} finally {
			await strict.t.drain();
		}
		// Within the limit, the same clip is taken.
		const taken = await fetch(`${main.url}/jobs/long-enough?maxSeconds=4`, { method: "PUT", body: clip });
		expect(taken.status).toBe(202);
		expect((await finished(main.url, "long-enough")).state).toBe("done");
	});

	it("describes the same renditions in DASH and HLS, with square pixels, for a 9:16 source", { timeout: 60_000 }, async () => {
		const portrait = makeClip(scratch, { size: "720x1280", seconds: 2, name: "portrait-720.mp4" }).bytes;
		expect((await fetch(`${main.url}/jobs/square`, { method: "PUT", body: portrait })).status).toBe(202);
		const done = await finished(main.url, "square");
		expect(done.state).toBe("done");
		const text = async (path: string) => (await fetch(`${main.url}/jobs/square/files/${path}`)).text();
		const mpd = await text("dash/manifest.mpd");
		const video = [
			...mpd.matchAll(
				/<Representation id="(\d+)" mimeType="video\/mp4"[^>]*?bandwidth="(\d+)"[^>]*?width="(\d+)" height="(\d+)"[^>]*?sar="([^"]+)"/g,
			),
		].map((m) => ({ width: Number(m[3]), height: Number(m[4]), bandwidth: Number(m[2]), sar: m[5] }));
		const audio = Number(mpd.match(/mimeType="audio\/mp4"[^>]*?bandwidth="(\d+)"/)?.[1]);
		expect(video.map((v) => `${v.width}x${v.height}`)).toEqual(["720x1280", "486x864", "360x640"]);
		expect(video.map((v) => v.sar)).toEqual(["1:1", "1:1", "1:1"]);
		// An HLS variant's BANDWIDTH counts its audio too (the audio is a separate DASH adaptation set):
		// each must be exactly the DASH video representation's plus the audio's.
		expect(done.renditions.map((r) => [`${r.width}x${r.height}`, r.bandwidth])).toEqual(
			video.map((v) => [`${v.width}x${v.height}`, v.bandwidth + audio]),
		);
	});

	it("encodes a 120 fps source at 60 fps: a 2 s segment holds 120 frames, not 240", async () => {
		const fast = makeClip(scratch, { size: "240x426", seconds: 2, rate: 120, silent: true, name: "fast.mp4" }).bytes;
		expect((await fetch(`${main.url}/jobs/fast`, { method: "PUT", body: fast })).status).toBe(202);
		const done = await finished(main.url, "fast");
		expect(done.state).toBe("done");
		const part = async (path: string) => Buffer.from(await (await fetch(`${main.url}/jobs/fast/files/${path}`)).arrayBuffer());
		const segment = Buffer.concat([await part("hls/0/init.m4s"), await part("hls/0/seg-00001.m4s")]);
		expect(probe(segment).frames).toBe(120);
	});

	it("refuses a stream holding more frames than its duration allows at 240 fps (the header is not trusted)", async () => {
		const flood = makeClip(scratch, { size: "64x64", seconds: 1, rate: 300, silent: true, name: "flood.mp4" }).bytes;
		const res = await fetch(`${main.url}/jobs/flood`, { method: "PUT", body: flood });
		expect(res.status).toBe(422);
		expect(await res.json()).toMatchObject({ code: "too_many_frames" });
	});

	it("fails a job that outlives its wall-clock budget, with the reason, and frees the slot", { timeout: 60_000 }, async () => {
		const heavy = makeClip(scratch, { size: "1080x1920", seconds: 6, silent: true, name: "heavy.mp4" }).bytes;
		const tight = await start({ maxJobSeconds: 1, maxSourceBytes: 64 * 1024 * 1024, workDir: join(scratch, "tight") });
		try {
			expect((await fetch(`${tight.url}/jobs/slow`, { method: "PUT", body: heavy })).status).toBe(202);
			const job = await finished(tight.url, "slow");
			expect(job).toMatchObject({ state: "failed", error: { code: "time_budget_exceeded", retryable: false } });
			const metrics = await (await fetch(`${tight.url}/metrics`)).text();
			expect(metrics).toMatch(/transcoder_jobs_running 0/);
		} finally {
			await tight.t.drain();
		}
	});

	it("answers 429 with Retry-After when every job slot is busy", async () => {
		const busy = await start({ workDir: join(scratch, "busy") });
		try {
			busy.t.metrics.running = 2; // both slots taken
			const res = await fetch(`${busy.url}/jobs/one-more`, { method: "PUT", body: clip });
			expect(res.status).toBe(429);
			expect(res.headers.get("retry-after")).toBe("5");
			expect(busy.t.metrics.rejectedBusy).toBe(1);
		} finally {
			busy.t.metrics.running = 0;
			await busy.t.drain();
		}
	});

	it("answers a refused upload only once its body has arrived, so a streaming client is never cut off mid-send", async () => {
		const busy = await start({ workDir: join(scratch, "busy-stream") });
		try {
			busy.t.metrics.running = 2;
			const CHUNKS = 32;
			let pulled = 0;
			const body = new ReadableStream<Uint8Array>({
				pull(controller) {
					if (pulled === CHUNKS) return controller.close();
					pulled++;
					controller.enqueue(new Uint8Array(512 * 1024));
				},
			});
			const res = await fetch(`${busy.url}/jobs/streamed`, { method: "PUT", body, duplex: "half" } as RequestInit);
			expect(res.status).toBe(429);
			expect(pulled).toBe(CHUNKS);
		} finally {
			busy.t.metrics.running = 0;
			await busy.t.drain();
		}
	});

	it("shuts down at once on SIGTERM's shutdown(): the running encode is killed and its disk reclaimed", { timeout: 60_000 }, async () => {
		const dir = join(scratch, "rollout");
		const heavy = makeClip(scratch, { size: "1080x1920", seconds: 6, silent: true, name: "heavy.mp4" }).bytes;
		const t = await start({ workDir: dir, maxSourceBytes: 64 * 1024 * 1024 });
		expect((await fetch(`${t.url}/jobs/rolled`, { method: "PUT", body: heavy })).status).toBe(202);
		expect(t.t.jobs.get("rolled")?.state).toBe("running");
		await t.t.shutdown();
		expect(t.t.metrics.running).toBe(0);
		expect(t.t.jobs.get("rolled")).toBeUndefined();
		expect(readdirSync(dir).filter((d) => d.startsWith("job-"))).toEqual([]);
		expect(t.t.server.listening).toBe(false);
	});

	it("clears job folders a killed predecessor left behind, and nothing else", async () => {
		const dir = join(scratch, "restart");
		mkdirSync(join(dir, "job-orphan-abc"), { recursive: true });
		writeFileSync(join(dir, "keep.txt"), "not ours");
		const fresh = await start({ workDir: dir });
		await fresh.t.drain();
		expect(readdirSync(dir)).toEqual(["keep.txt"]);
	});

	it("reports health with the ffmpeg version, and Prometheus metrics", async () => {
		const health = await fetch(`${main.url}/health`);
		expect(health.status).toBe(200);
		expect(await health.json()).toMatchObject({ status: "ok", ffmpeg: expect.stringContaining("ffmpeg version"), capacity: 2 });
		const metrics = await (await fetch(`${main.url}/metrics`)).text();
		expect(metrics).toMatch(/^transcoder_jobs_total\{outcome="done"\} [1-9]\d*$/m);
		expect(metrics).toMatch(/^transcoder_jobs_total\{outcome="failed"\} [1-9]\d*$/m);
		expect(metrics).toMatch(/^transcoder_job_seconds_total [0-9.]+$/m);
		expect(metrics).toContain("transcoder_jobs_running 0");
	});

	it("answers unknown routes with 404 JSON", async () => {
		const res = await fetch(`${main.url}/nope`);
		expect(res.status).toBe(404);
		expect(await res.json()).toMatchObject({ code: "not_found" });
	});
});
