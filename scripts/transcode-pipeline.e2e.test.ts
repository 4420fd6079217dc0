// The transcode pipeline end to end on `npm run dev`'s stack (scripts/dev.ts on
// ports of its own): a 10 s portrait clip uploaded over HTTP, queued, transcoded
// by the real Node + FFmpeg service, copied to R2 and played back through /cdn.
// The transcoder here is a process this test owns, so it can kill it mid-job.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, playWithHlsJs } from "./browser.ts";
import { type DevStackProcess, registerOn, startDevStack } from "./dev-stack-process.ts";
import { freePort } from "./free-port.ts";
import { ffprobeVideo, frameCodeOf, makeFrameCodeClip, makePortraitClip, makeSpeechClip, wordErrorRate } from "./test-media.ts";
import { waitFor } from "./wait-for.ts";

const root = resolve(import.meta.dirname, "..");
const scratch = resolve(root, ".local/e2e-transcode");
// Chosen once (free at run time) and kept: the test restarts the transcoder on the same port.
let transcoderPort: number;
const transcoderUrl = () => `http://127.0.0.1:${transcoderPort}`;

let stack: DevStackProcess;
let transcoder: ChildProcess;
let token: string;
/** What the uploader's WebSocket received: progress and PLAYABLE come only there (they stay out of the inbox). */
const socketEvents: { type: string; data: { assetId?: string } }[] = [];
let socket: WebSocket | undefined;
let clip: Buffer;

async function startTranscoder(): Promise<ChildProcess> {
	const child = spawn(process.execPath, [resolve(root, "transcode-container/src/server.ts")], {
		env: { ...process.env, PORT: String(transcoderPort), HOST: "127.0.0.1", TRANSCODER_WORK_DIR: join(scratch, "work") },
		stdio: "ignore",
	});
	try {
		await waitFor("the transcoder to start", async () => (await fetch(`${transcoderUrl()}/health`)).ok, {
			timeoutMs: 10_000,
			ignoreErrors: true,
		});
		return child;
	} catch (err) {
		child.kill("SIGKILL");
		throw err;
	}
}

async function uploadClip(bytes = clip): Promise<string> {
	for (let attempt = 1; ; attempt++) {
		const form = new FormData();
		form.set("file", new Blob([new Uint8Array(bytes)], { type: "video/mp4" }), "portrait.mp4");
		form.set("caption", "e2e");
		try {
			const res = await fetch(`${stack.baseUrl}/api/videos/upload`, {
				method: "POST",
				body: form,
				headers: { authorization: `Bearer ${token}` },
			});
			expect(res.status, await res.clone().text()).toBe(202);
			return ((await res.json()) as { id: string }).id;
		} catch (err) {
			// An answer sent before the body was read reaches Node's fetch as EPIPE, without the answer itself
			// (seen twice in CI, never here): the stack's log has what it said. Once more, then the log decides.
			const said = stack
				.output()
				.split("\n")
				.filter((l) => l.includes('"path":"/api/videos/upload"'))
				.slice(-3)
				.join("\n");
			const cutOff = /EPIPE|ECONNRESET/.test(String((err as { cause?: unknown }).cause ?? ""));
			if (!cutOff || attempt >= 2) throw new Error(`the upload failed: ${(err as Error).message}\n${said}`);
			console.warn(`upload attempt ${attempt} was cut off (${String((err as { cause?: unknown }).cause)}); the stack said:\n${said}`);
		}
	}
}

interface Status {
	status: string;
	progress: number;
	renditions: { width: number; height: number; bandwidth: number; playlist: string }[];
	hls: string;
	dash: string | null;
	poster: string;
	thumbnail: string;
	storyboard: string;
	duration: number;
	error: unknown;
	captions: { lang: string; label: string; generated: boolean; url: string }[];
}

async function status(id: string): Promise<Status> {
	const res = await fetch(`${stack.baseUrl}/api/videos/${id}/status`, { headers: { authorization: `Bearer ${token}` } });
	return (await res.json()) as Status;
}

/** The video's status once `done` holds, or as it is when the time is up (the caller's expect then says what was wrong). */
async function statusWhen(id: string, done: (s: Status) => boolean, timeoutMs: number): Promise<Status> {
	let last: Status | undefined;
	const seen = await waitFor(
		`video ${id}`,
		async () => {
			last = await status(id);
			return done(last) ? last : undefined;
		},
		{ timeoutMs, everyMs: 200 },
	).catch((err: Error) => {
		if (!last) throw err;
		return last;
	});
	return seen;
}

const cdn = async (path: string) => {
	const res = await fetch(new URL(path, stack.baseUrl));
	expect(res.status, path).toBe(200);
	return res;
};

beforeAll(async () => {
	clip = makePortraitClip(scratch).bytes;
	transcoderPort = await freePort();
	transcoder = await startTranscoder();
	// Quotas lifted as in the other end-to-end stacks: status is polled five times a second, and a slow
	// machine can spend the user's hourly quota, which refuses the next upload before its body is read.
	stack = await startDevStack("e2e-transcode", {
		vars: { TRANSCODER_URL: transcoderUrl(), QUOTA_USER_PER_HOUR: "100000", QUOTA_ANON_PER_HOUR: "100000" },
	});
	token = (await registerOn(stack.baseUrl, { name: "Uploader" })).accessToken;
	const ws = new WebSocket(`${stack.baseUrl.replace("http", "ws")}/ws`, ["bearer", token]);
	ws.addEventListener("message", (e) => socketEvents.push(JSON.parse(String(e.data))));
	await new Promise((opened, failed) => {
		ws.addEventListener("open", opened);
		ws.addEventListener("error", failed);
	});
	socket = ws;
}, 150_000);

afterAll(async () => {
	socket?.close(1000);
	await stack?.stop();
	transcoder?.kill("SIGKILL");
});

describe("upload → queue → transcoder → R2 → /cdn", () => {
	it("turns a 10 s portrait clip into an HLS + DASH ladder whose segments decode at the advertised sizes", async () => {
		const id = await uploadClip();
		const s = await statusWhen(id, (x) => x.status === "ready" || x.status === "failed", 90_000);
		// Its audio is a tone, not speech: no caption track is made of it.
		expect(s).toMatchObject({ status: "ready", progress: 1, duration: 10, error: null, captions: [] });
		expect(s.renditions.map((r) => `${r.width}x${r.height}`)).toEqual(["720x1280", "486x864", "360x640"]);

		const master = await (await cdn(s.hls)).text();
		const advertised = [...master.matchAll(/#EXT-X-STREAM-INF:.*RESOLUTION=(\d+)x(\d+).*\n(.+)/g)].map((m) => ({
			width: Number(m[1]),
			height: Number(m[2]),
			uri: m[3] as string,
		}));
		expect(advertised).toHaveLength(3);
		for (const rung of advertised) {
			const playlistUrl = new URL(rung.uri, new URL(s.hls, stack.baseUrl));
			const playlist = await (await cdn(playlistUrl.pathname)).text();
			const init = playlist.match(/#EXT-X-MAP:URI="([^"]+)"/)?.[1] as string;
			const segments = playlist.split("\n").filter((l) => l.endsWith(".m4s"));
			expect(segments).toHaveLength(5);
			const bytes = await Promise.all(
				[init, segments[2] as string].map(async (u) => Buffer.from(await (await cdn(new URL(u, playlistUrl).pathname)).arrayBuffer())),
			);
			const segment = await cdn(new URL(segments[2] as string, playlistUrl).pathname);
			expect(segment.headers.get("content-type")).toMatch(/^video\//);
			await segment.body?.cancel();
			expect(ffprobeVideo(Buffer.concat(bytes), scratch)).toEqual({ width: rung.width, height: rung.height, frames: 60 });
		}

		const mpdUrl = new URL(s.dash as string, stack.baseUrl);
		const mpdResponse = await cdn(mpdUrl.pathname);
		expect(mpdResponse.headers.get("content-type")).toMatch(/^application\/dash\+xml/);
		const mpd = await mpdResponse.text();
		const reps = [...mpd.matchAll(/<Representation ([^>]*)>/g)].map((m) => ({
			id: m[1]?.match(/\bid="(\d+)"/)?.[1] as string,
			size: m[1]
				?.match(/width="(\d+)" height="(\d+)"/)
				?.slice(1, 3)
				.join("x"),
		}));
		expect(reps.flatMap((r) => (r.size ? [r.size] : []))).toEqual(["720x1280", "486x864", "360x640"]);
		expect(reps).toHaveLength(4); // and the audio track
		const template = mpd.match(/initialization="([^"]+)"/)?.[1] as string;
		for (const rep of reps) {
			const init = new URL(template.replace("$RepresentationID$", rep.id), mpdUrl);
			await (await cdn(init.pathname)).arrayBuffer();
		}

		for (const picture of [s.poster, s.thumbnail]) expect((await cdn(picture)).headers.get("content-type")).toBe("image/jpeg");
		expect(await (await cdn(s.storyboard)).text()).toMatch(/^WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nstoryboard.jpg#xywh=0,0,90,160/);

		const inbox = await fetch(`${stack.baseUrl}/api/notifications?limit=50`, { headers: { authorization: `Bearer ${token}` } });
		const events = ((await inbox.json()) as { items: { type: string; data: { assetId: string } }[] }).items.filter(
			(e) => e.data.assetId === id,
		);
		expect(events.map((e) => e.type)).toEqual(["TRANSCODE_READY"]);
		// Progress went to the socket, not the inbox.
		expect(socketEvents.some((e) => e.type === "TRANSCODE_PROGRESS" && e.data.assetId === id)).toBe(true);
	}, 120_000);

	it("captions what a clip says: a generated track timed within it, in the API and the HLS master", async () => {
		const said = ["The quick brown fox jumps over the lazy dog.", "Short videos are mostly watched without sound."];
		const speech = makeSpeechClip(scratch, "speech", said);
		const id = await uploadClip(speech.bytes);
		const s = await statusWhen(id, (x) => x.status === "ready" || x.status === "failed", 90_000);
		expect(s.status).toBe("ready");
		expect(s.captions).toEqual([
			{ lang: "en", label: "English (auto-generated)", generated: true, url: expect.stringContaining("/captions/en-") },
		]);
		const vtt = await (await cdn(s.captions[0]?.url as string)).text();
		const cues = [...vtt.matchAll(/(\d\d):(\d\d):(\d\d\.\d{3}) --> (\d\d):(\d\d):(\d\d\.\d{3})[^\n]*\n([^\n]+)/g)].map((m) => ({
			start: Number(m[2]) * 60 + Number(m[3]),
			end: Number(m[5]) * 60 + Number(m[6]),
			text: m[7] as string,
		}));
		expect(cues.length).toBeGreaterThan(0);
		for (const cue of cues) {
			// Speech starts after the clip's first second of silence, and nothing runs past its end.
			expect(cue.start).toBeGreaterThanOrEqual(0.9);
			expect(cue.end).toBeLessThanOrEqual(s.duration + 0.001);
		}
		const heard = cues.map((c) => c.text).join(" ");
		console.log(
			JSON.stringify({
				generatedCaptions: { said: said.join(" "), heard, wordErrorRate: Number(wordErrorRate(said.join(" "), heard).toFixed(2)) },
			}),
		);
		expect(await (await cdn(s.hls)).text()).toMatch(
			/#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="cc",NAME="English \(auto-generated\)",LANGUAGE="en"/,
		);
	}, 120_000);

	it("takes a cover, on-the-fly frames and a clip exactly at the times asked: the frame on screen then, not the segment's first", async () => {
		// Every frame of this clip shows its own number (15 frames a second), so a picture says which frame it is.
		const rate = 15;
		const id = await uploadClip(makeFrameCodeClip(scratch, { seconds: 8, rate }).bytes);
		const s = await statusWhen(id, (x) => x.status === "ready" || x.status === "failed", 90_000);
		expect(s.status).toBe("ready");
		const picture = async (path: string) => Buffer.from(await (await cdn(path)).arrayBuffer());
		const res = await fetch(`${stack.baseUrl}/api/videos/${id}/poster`, {
			method: "PUT",
			headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
			body: JSON.stringify({ time: 3.3 }),
		});
		expect(res.status, await res.clone().text()).toBe(200);
		const cover = (await res.json()) as { poster: string; thumbnail: string };
		// On screen at 3.3 s: frame 49 (from 3.267 s); frame 50 starts at 3.333 s.
		expect(frameCodeOf(await picture(cover.poster), scratch)).toBe(49);
		expect(frameCodeOf(await picture(cover.thumbnail), scratch)).toBe(49);
		// The status names the same file (its token may differ: expiries are rounded to a step).
		const fileOf = (url: string) => url.replace(/^\/cdn\/s\/[^/]+\//, "");
		expect(fileOf((await status(id)).poster)).toBe(fileOf(cover.poster));
		// Not public: frames through the video's signed folder, inside a segment (5.5 s: frame 82) and at the very end.
		const folder = cover.poster.slice(0, cover.poster.lastIndexOf("/"));
		expect(frameCodeOf(await picture(`${folder}/thumbnail.jpg?time=5.5`), scratch)).toBe(82);
		expect(frameCodeOf(await picture(`${folder}/thumbnail.jpg?time=${s.duration}&width=240`), scratch)).toBe(8 * rate - 1);

		// A clip of 2.2 s to 5 s: a video of its own, exactly that long, whose first frame is frame 33 (on screen from 2.2 s).
		const clipped = await fetch(`${stack.baseUrl}/api/videos/${id}/clip`, {
			method: "POST",
			headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
			body: JSON.stringify({ start: 2.2, end: 5 }),
		});
		expect(clipped.status, await clipped.clone().text()).toBe(202);
		const clipId = ((await clipped.json()) as { id: string }).id;
		const c = await statusWhen(clipId, (x) => x.status === "ready" || x.status === "failed", 90_000);
		expect(c.status).toBe("ready");
		expect(Math.abs(c.duration - 2.8)).toBeLessThanOrEqual(1 / rate);
		const clipFolder = c.poster.slice(0, c.poster.lastIndexOf("/"));
		expect(frameCodeOf(await picture(`${clipFolder}/thumbnail.jpg?time=0`), scratch)).toBe(33);
		expect(frameCodeOf(await picture(`${clipFolder}/thumbnail.jpg?time=${c.duration}`), scratch)).toBe(74);
	}, 180_000);

	it("copies a video from a URL (through a redirect) into the same pipeline, and refuses an answer that is not a video", async () => {
		const files = createServer((req, res) => {
			if (req.url === "/moved") res.writeHead(302, { location: "/clip.mp4" }).end();
			else if (req.url === "/clip.mp4") res.writeHead(200, { "content-type": "video/mp4", "content-length": clip.length }).end(clip);
			else res.writeHead(200, { "content-type": "text/html" }).end("<html>not a video</html>");
		});
		files.listen(0, "127.0.0.1");
		await once(files, "listening");
		try {
			const base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
			const copy = (url: string) =>
				fetch(`${stack.baseUrl}/api/videos/copy`, {
					method: "POST",
					headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
					body: JSON.stringify({ url, title: "copied" }),
				});
			const page = await copy(`${base}/page`);
			expect(page.status).toBe(415);
			const res = await copy(`${base}/moved`);
			expect(res.status, await res.clone().text()).toBe(202);
			const accepted = (await res.json()) as { id: string; status: string; title: string };
			expect(accepted).toMatchObject({ status: "queued", title: "copied" });
			const s = await statusWhen(accepted.id, (x) => x.status === "ready" || x.status === "failed", 90_000);
			expect(s).toMatchObject({ status: "ready", duration: 10 });
		} finally {
			files.close();
		}
	}, 120_000);

	it("retries a job whose transcoder was killed mid-job, and the asset still ends ready", async () => {
		const id = await uploadClip();
		const running = await statusWhen(id, (x) => x.status === "processing" && x.progress > 0, 60_000);
		expect(running.status).toBe("processing");
		transcoder.kill("SIGKILL");
		await once(transcoder, "exit");
		// The job noticed (its attempt failed and went back to the queue) before the transcoder returns.
		await waitFor("the job to notice that its transcoder was gone", () => /transcode_job_retry/.test(stack.output()), {
			timeoutMs: 60_000,
		});
		transcoder = await startTranscoder();
		const s = await statusWhen(id, (x) => x.status === "ready" || x.status === "failed", 120_000);
		expect(s).toMatchObject({ status: "ready", error: null });
		expect(s.renditions).toHaveLength(3);
		expect(stack.output()).toMatch(/transcode_job_retry/);
	}, 180_000);

	it("plays a 60 s video in Chromium (hls.js) before its ladder is finished, and on to its end", { timeout: 240_000 }, async () => {
		const id = await uploadClip(makePortraitClip(scratch, 60).bytes);
		const early = await statusWhen(id, (x) => !["uploaded", "queued", "processing"].includes(x.status), 90_000);
		// Watchable while the pass still runs: HLS only, the rest comes with ready.
		expect(early).toMatchObject({ status: "playable", dash: null });
		expect(early.renditions.map((r) => `${r.width}x${r.height}`)).toEqual(["720x1280", "486x864", "360x640"]);
		const rung = await (await cdn(new URL(early.renditions[2]?.playlist as string, stack.baseUrl).pathname)).text();
		expect(rung).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
		expect(rung).not.toContain("#EXT-X-ENDLIST");

		const browser = await launchBrowser();
		try {
			// Same origin as the media, and the app's CSP set aside for the injected player.
			const page = await browser.newPage({ bypassCSP: true });
			await page.goto(`${stack.baseUrl}/health`);
			await playWithHlsJs(page, new URL(early.hls, stack.baseUrl).href);
			await page.waitForFunction(
				() => (window as unknown as { player: { video: HTMLVideoElement } }).player.video.currentTime > 0.5,
				null,
				{
					timeout: 60_000,
				},
			);
			// Playing from the start, and the ladder is still being made.
			expect((await status(id)).status).toBe("playable");
			expect(
				await page.evaluate(() => (window as unknown as { player: { video: HTMLVideoElement } }).player.video.currentTime),
			).toBeLessThan(20);

			// Twice real time, so the player catches up with the encoder and must wait for it, then reaches the end.
			await page.evaluate(() => {
				(window as unknown as { player: { video: HTMLVideoElement } }).player.video.playbackRate = 2;
			});
			await page.waitForFunction(() => (window as unknown as { player: { video: HTMLVideoElement } }).player.video.ended, null, {
				timeout: 150_000,
			});
			const end = await page.evaluate(() => {
				const { video, errors } = (window as unknown as { player: { video: HTMLVideoElement; errors: string[] } }).player;
				return { currentTime: video.currentTime, duration: video.duration, errors };
			});
			expect(end.errors).toEqual([]);
			expect(end.currentTime).toBeGreaterThan(59);
		} finally {
			await browser.close();
		}
		const done = await statusWhen(id, (x) => x.status === "ready" || x.status === "failed", 60_000);
		expect(done.status).toBe("ready");
		const vod = await (await cdn(new URL(done.renditions[2]?.playlist as string, stack.baseUrl).pathname)).text();
		expect(vod).toContain("#EXT-X-ENDLIST");
		const inbox = await fetch(`${stack.baseUrl}/api/notifications?limit=50`, { headers: { authorization: `Bearer ${token}` } });
		const events = ((await inbox.json()) as { items: { type: string; createdAt: string; data: { assetId: string } }[] }).items.filter(
			(e) => e.data.assetId === id && (e.type === "TRANSCODE_PLAYABLE" || e.type === "TRANSCODE_READY"),
		);
		// READY kept in the inbox once; PLAYABLE told on the socket, before READY.
		expect(events.map((e) => e.type)).toEqual(["TRANSCODE_READY"]);
		const told = socketEvents.filter((e) => e.data?.assetId === id).map((e) => e.type);
		expect(told.indexOf("TRANSCODE_PLAYABLE")).toBeGreaterThanOrEqual(0);
		expect(told.indexOf("TRANSCODE_PLAYABLE")).toBeLessThan(told.indexOf("TRANSCODE_READY"));
	});
});
