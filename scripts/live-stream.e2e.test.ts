// Live streaming end to end on a dev stack of its own: `npm run live:push`
// sends a 20 s real-time FFmpeg stream with a frame counter drawn in; the
// LiveStream object forwards it to the transcoder, publishes the ladder to R2
// and ends it as a VOD. Checks what a viewer and a follower see, in Chromium
// too, and that bad publishers end with clear close codes and leave nothing behind.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleOf, frameLatencies, launchBrowser, newVisitorContext, playWithHlsJs, readFrameCodes } from "./browser.ts";
import { RESTART_ONLY_AFTER_MS } from "./dev.ts";
import { type DevStackProcess, type RegisteredUser, registerOn, startDevStack } from "./dev-stack-process.ts";
import { liveFfmpegsIn, liveFoldersIn } from "./leftovers.ts";
import { FRAME_CODE_BITS, ffprobeVideo, makeClip, makeFrameCodeY4m } from "./test-media.ts";
import { followVerificationMail } from "./verify-email.ts";
import { waitFor as waitForCondition } from "./wait-for.ts";

const root = resolve(import.meta.dirname, "..");
const scratch = resolve(root, ".local/e2e-live");
const STACK = "e2e-live";
const transcoderWorkDir = resolve(root, `.local/transcoder-${STACK}`);
/** 30 fps with the frame number drawn in: what a viewer's picture says is the frame the publisher sent at n / 30 s. */
const COUNTER_SOURCE =
	"testsrc2=size=1280x720:rate=30,drawtext=text='%{frame_num}':fontsize=96:fontcolor=white:box=1:boxcolor=black:x=40:y=40";

let stack: DevStackProcess;
let stackUpAt: number;
let owner: RegisteredUser;
let follower: RegisteredUser;

interface Stream {
	id: string;
	status: string;
	streamKey: string;
	ingest: { websocket: string };
	playback: { hls: string };
	videoId: string;
	startedAt: string | null;
	endReason: string | null;
}

const url = (path: string) => new URL(path, stack.baseUrl).href;

async function createStream(title?: string): Promise<Stream> {
	const res = await fetch(url("/api/live"), {
		method: "POST",
		headers: { authorization: `Bearer ${owner.accessToken}`, "content-type": "application/json" },
		body: JSON.stringify(title ? { title } : {}),
	});
	expect(res.status).toBe(201);
	return (await res.json()) as Stream;
}

const getStream = async (id: string) => (await (await fetch(url(`/api/live/${id}`))).json()) as Stream;

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 100) =>
	waitForCondition(what, fn, { timeoutMs, everyMs });

/** The stream once it has ended (it ends a beat or two after its publisher went). */
const endOf = (id: string, timeoutMs = 20_000) =>
	waitFor(
		`stream ${id} to end`,
		async () => {
			const x = await getStream(id);
			return x.status === "ended" && x;
		},
		timeoutMs,
	);

/** `npm run live:push` as a user runs it; resolves its JSON progress lines as they come. */
function livePush(s: Stream, source: string, seconds: number) {
	const child: ChildProcess = spawn(
		process.execPath,
		[
			resolve(root, "scripts/live-push.ts"),
			source,
			"--url",
			stack.baseUrl,
			"--stream",
			s.id,
			"--key",
			s.streamKey,
			"--duration",
			String(seconds),
		],
		{ stdio: ["ignore", "pipe", "pipe"] },
	);
	const events: { event: string; at: number; code?: number }[] = [];
	let buffered = "";
	child.stdout?.setEncoding("utf8").on("data", (d: string) => {
		buffered += d;
		const lines = buffered.split("\n");
		buffered = lines.pop() ?? "";
		for (const line of lines) if (line.trim()) events.push(JSON.parse(line));
	});
	let stderr = "";
	child.stderr?.setEncoding("utf8").on("data", (d: string) => {
		stderr += d;
	});
	const exited = new Promise<number>((r) => child.on("close", (code) => r(code ?? -1)));
	return { child, events, exited, stderr: () => stderr };
}

/** The media playlists the master lists, with their advertised size. */
async function rungsOf(masterPath: string) {
	const master = await (await fetch(url(masterPath))).text();
	return [...master.matchAll(/RESOLUTION=(\d+)x(\d+).*\n(.+)/g)].map((m) => ({
		width: Number(m[1]),
		height: Number(m[2]),
		playlist: new URL(m[3] as string, url(masterPath)).href,
	}));
}

const segmentsIn = (playlist: string) => playlist.split("\n").filter((l) => l.endsWith(".ts"));

/** A WebSocket upgrade by hand, to see the HTTP answer a refused one gets. */
function upgradeStatus(path: string, protocol: string): Promise<number> {
	return new Promise((resolveStatus, reject) => {
		const req = request(url(path), {
			headers: {
				connection: "Upgrade",
				upgrade: "websocket",
				"sec-websocket-version": "13",
				"sec-websocket-key": Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64"),
				"sec-websocket-protocol": protocol,
			},
		});
		req.on("response", (res) => {
			res.resume();
			resolveStatus(res.statusCode ?? 0);
		});
		req.on("upgrade", (_res, socket) => {
			socket.destroy();
			resolveStatus(101);
		});
		req.on("error", reject);
		req.end();
	});
}

function openPublisher(s: Stream) {
	const ingest = new URL(s.ingest.websocket, stack.baseUrl);
	ingest.protocol = "ws:";
	const ws = new WebSocket(ingest, [`key.${s.streamKey}`]);
	const closed = new Promise<{ code: number; reason: string }>((r) =>
		ws.addEventListener("close", (e) => r({ code: e.code, reason: e.reason })),
	);
	const opened = new Promise<void>((r, j) => {
		ws.addEventListener("open", () => r());
		ws.addEventListener("error", () => j(new Error("the ingest socket did not open")));
	});
	return { ws, opened, closed };
}

/** The stack's transcoder process: the one whose environment names this stack's work folder. */
function transcoderPid(): number | undefined {
	for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
		try {
			const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
			const env = readFileSync(`/proc/${pid}/environ`, "utf8");
			if (cmd.includes("transcode-container/src/server.ts") && env.includes(`TRANSCODER_WORK_DIR=${transcoderWorkDir}\0`))
				return Number(pid);
		} catch {
			// Gone, or not ours to read.
		}
	}
	return undefined;
}

beforeAll(async () => {
	mkdirSync(scratch, { recursive: true });
	// The test polls the API as fast as a player would, so quotas are lifted; a short grace period keeps the stall test short.
	stack = await startDevStack(STACK, {
		vars: { LIVE_GRACE_SECONDS: "4", QUOTA_ANON_PER_HOUR: "100000", QUOTA_USER_PER_HOUR: "100000", QUOTA_AUTH_PER_HOUR: "100000" },
	});
	stackUpAt = Date.now();
	owner = await registerOn(stack.baseUrl, { name: "Streamer", verifyVia: stack.mailUrl });
	follower = await registerOn(stack.baseUrl, { name: "Follower" });
	const follow = await fetch(url(`/api/users/${owner.user.id}/follow`), {
		method: "POST",
		headers: { authorization: `Bearer ${follower.accessToken}` },
	});
	expect(follow.status).toBe(200);
}, 150_000);

afterAll(async () => {
	await stack?.stop();
});

describe("live streaming", () => {
	it("goes live within seconds, keeps advancing while pushed, plays in Chromium, tells followers, and ends as a VOD the owner can post", {
		timeout: 180_000,
	}, async () => {
		const notifications: { type: string; data: { streamId?: string } }[] = [];
		const ws = new WebSocket(url("/ws").replace("http", "ws"), ["bearer", follower.accessToken]);
		ws.addEventListener("message", (e) => notifications.push(JSON.parse(String(e.data))));
		await new Promise((r, j) => {
			ws.addEventListener("open", r);
			ws.addEventListener("error", j);
		});

		const s = await createStream("Counting frames");
		const push = livePush(s, COUNTER_SOURCE, 20);
		const firstByte = await waitFor("the first byte", async () => push.events.find((e) => e.event === "first_byte"), 20_000, 20);

		// Live, and a segment listed within 6 s of the first byte.
		await waitFor("live", async () => (await getStream(s.id)).status === "live", 15_000);
		const listed = (await (await fetch(url("/api/live"))).json()) as { items: Stream[] };
		expect(listed.items.map((x) => x.id)).toContain(s.id);
		const rungs = await rungsOf(s.playback.hls);
		expect(rungs.map((r) => `${r.width}x${r.height}`)).toEqual(["1280x720", "640x360"]);
		const low = rungs[1] as (typeof rungs)[number];
		const listedAt = await waitFor(
			"a listed segment",
			async () => segmentsIn(await (await fetch(low.playlist)).text()).length > 0 && Date.now(),
			15_000,
			50,
		);
		expect(listedAt - firstByte.at).toBeLessThan(6_000);

		// A segment decodes at its rung's advertised size: 1 s of 30 fps.
		for (const rung of rungs) {
			const [first] = segmentsIn(await (await fetch(rung.playlist)).text());
			const segment = await fetch(new URL(first as string, rung.playlist));
			expect(segment.headers.get("cache-control")).toContain("immutable");
			const decoded = ffprobeVideo(Buffer.from(await segment.arrayBuffer()), scratch);
			expect(decoded).toMatchObject({ width: rung.width, height: rung.height });
			expect(decoded.frames).toBeGreaterThanOrEqual(29);
		}
		// The live playlist is cached for a second, and keeps advancing while the push goes on.
		const livePlaylist = await fetch(low.playlist);
		expect(livePlaylist.headers.get("cache-control")).toBe("public, max-age=1");
		const before = segmentsIn(await livePlaylist.text()).length;

		// Chromium plays it live with hls.js.
		const browser = await launchBrowser();
		try {
			const page = await browser.newPage({ bypassCSP: true });
			await page.goto(url("/health"));
			await playWithHlsJs(page, url(s.playback.hls));
			const time = () => page.evaluate(() => (window as unknown as { player: { video: HTMLVideoElement } }).player.video.currentTime);
			await page.waitForFunction(
				() => (window as unknown as { player: { video: HTMLVideoElement } }).player.video.currentTime > 0.5,
				null,
				{
					timeout: 15_000,
				},
			);
			const t0 = await time();
			await page.waitForFunction(
				(from) => (window as unknown as { player: { video: HTMLVideoElement } }).player.video.currentTime > from + 2,
				t0,
				{
					timeout: 15_000,
				},
			);
			// Still being pushed while it played.
			expect(push.child.exitCode).toBeNull();
			expect(await page.evaluate(() => (window as unknown as { player: { errors: string[] } }).player.errors)).toEqual([]);
		} finally {
			await browser.close();
		}
		expect(segmentsIn(await (await fetch(low.playlist)).text()).length).toBeGreaterThan(before);

		// After the push: ended, ENDLIST, and the recording plays as a VOD.
		expect(await push.exited, push.stderr()).toBe(0);
		const ended = await endOf(s.id);
		expect(ended.endReason).toBe("publisher_finished");
		const final = await fetch(low.playlist);
		expect(final.headers.get("cache-control")).toContain("immutable");
		const finalText = await final.text();
		expect(finalText).toMatch(/#EXT-X-ENDLIST\n$/);
		const seconds = [...finalText.matchAll(/#EXTINF:([\d.]+)/g)].reduce((a, m) => a + Number(m[1]), 0);
		expect(seconds).toBeGreaterThan(18);
		expect(seconds).toBeLessThan(22);
		const decodedVod = execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", url(s.playback.hls)], {
			encoding: "utf8",
		});
		expect(Number(decodedVod)).toBeGreaterThan(18);

		const status = await fetch(url(`/api/videos/${s.videoId}/status`), { headers: { authorization: `Bearer ${owner.accessToken}` } });
		expect(await status.json()).toMatchObject({ status: "ready" });
		const reel = await fetch(url("/api/reels"), {
			method: "POST",
			headers: { authorization: `Bearer ${owner.accessToken}`, "content-type": "application/json" },
			body: JSON.stringify({ video_id: s.videoId, caption: "My first live" }),
		});
		expect(reel.status).toBe(201);

		// The follower heard about it, once.
		await waitFor("LIVE_STARTED", async () => notifications.some((n) => n.type === "LIVE_STARTED"), 10_000);
		expect(notifications.filter((n) => n.type === "LIVE_STARTED")).toMatchObject([{ data: { streamId: s.id } }]);
		ws.close();
		expect(liveFfmpegsIn(transcoderWorkDir)).toBe(0);
	});

	it("refuses a wrong key before the upgrade, a second publisher with 4409, garbage with 4415 and a stalled publisher with 4408, leaving no FFmpeg or temp files", {
		timeout: 120_000,
	}, async () => {
		const s = await createStream();
		expect(await upgradeStatus(s.ingest.websocket, "key.sk_wrongwrongwrongwrongwrongwrongwrongwrongwro")).toBe(401);
		expect(await upgradeStatus(s.ingest.websocket, `key.${s.streamKey}`)).toBe(101);

		// Two publishers: the one sending keeps the stream.
		const push = livePush(s, COUNTER_SOURCE, 8);
		await waitFor("live", async () => (await getStream(s.id)).status === "live", 20_000);
		const second = openPublisher(s);
		expect((await second.closed).code).toBe(4409);
		expect(await push.exited, push.stderr()).toBe(0);
		await endOf(s.id);

		// Garbage.
		const g = await createStream();
		const garbage = openPublisher(g);
		await garbage.opened;
		garbage.ws.send(new TextEncoder().encode("this is not a video ".repeat(100)));
		expect((await garbage.closed).code).toBe(4415);
		await waitFor("garbage ended", async () => (await getStream(g.id)).endReason === "not_media", 20_000);

		// A publisher that sends the start of a real stream, then nothing.
		const clip = makeClip(scratch, { size: "640x360", seconds: 4, rate: 30, name: "stall.ts" }).bytes;
		const st = await createStream();
		const stalled = openPublisher(st);
		await stalled.opened;
		stalled.ws.send(clip.subarray(0, 256 * 1024));
		expect((await stalled.closed).code).toBe(4408);
		const stalledEnd = await endOf(st.id);
		expect(stalledEnd.endReason).toBe("stalled");

		// Nothing left running or on disk for any of them.
		await waitFor("no live FFmpeg", async () => liveFfmpegsIn(transcoderWorkDir) === 0, 10_000);
		await waitFor("no live folders", async () => liveFoldersIn(transcoderWorkDir).length === 0, 10_000);
	});

	it("goes on after the transcoder is killed mid-stream: the publisher is told to reconnect and the playlist continues after a discontinuity", {
		timeout: 120_000,
	}, async () => {
		// dev.ts restarts a transcoder that dies once it has been up this long (earlier, it stops the stack).
		await waitFor("the transcoder to count as up", async () => Date.now() - stackUpAt > RESTART_ONLY_AFTER_MS + 1_000, 30_000, 250);
		const s = await createStream();
		const push = livePush(s, COUNTER_SOURCE, 14);
		await waitFor("live", async () => (await getStream(s.id)).status === "live", 20_000);
		const low = (await rungsOf(s.playback.hls))[1] as { playlist: string };
		await waitFor("3 segments", async () => segmentsIn(await (await fetch(low.playlist)).text()).length >= 3, 20_000);
		const pid = transcoderPid();
		expect(pid).toBeDefined();
		process.kill(pid as number, "SIGKILL");
		// dev.ts restarts it, as the platform restarts a container; the stream goes on in a new generation.
		expect(await push.exited, JSON.stringify(push.events) + push.stderr()).toBe(0);
		expect(push.events.filter((e) => e.event === "closed").map((e) => e.code)).toEqual([1012, 1000]);
		const ended = await endOf(s.id);
		expect(ended.endReason).toBe("publisher_finished");
		const playlist = await (await fetch(low.playlist)).text();
		expect(playlist).toMatch(/g0-seg00002\.ts\n(.|\n)*#EXT-X-DISCONTINUITY\n#EXTINF:[\d.]+,\ng1-seg00000\.ts/);
		expect(playlist).toMatch(/#EXT-X-ENDLIST\n$/);
		// Every listed segment is there.
		for (const name of segmentsIn(playlist)) expect((await fetch(new URL(name, low.playlist), { method: "HEAD" })).status).toBe(200);
	});

	it("goes live from the web app's camera (MediaRecorder WebM) while a viewer plays it, signs in from the sheet and chats, then posts the recording", {
		timeout: 180_000,
	}, async () => {
		// Chromium's fake camera plays a portrait clip whose frames carry their number, and the microphone
		// is its fake tone, both granted without a prompt.
		const camera = makeFrameCodeY4m(scratch);
		const browser = await launchBrowser({
			args: ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", `--use-file-for-fake-video-capture=${camera}`],
		});
		try {
			const streamerCtx = await newVisitorContext(browser, { viewport: { width: 390, height: 844 } });
			await streamerCtx.grantPermissions(["camera", "microphone"], { origin: stack.baseUrl });
			const streamer = await streamerCtx.newPage();
			const streamerConsole = consoleOf(streamer);
			await streamer.goto(url("/signup"));
			const email = `camera-${crypto.randomUUID().slice(0, 8)}@example.test`;
			await streamer.getByLabel("Name").fill("Camera person");
			await streamer.getByLabel("Email").fill(email);
			await streamer.getByLabel("Password").fill("dev stack pass 1");
			await streamer.getByRole("button", { name: "Sign up" }).click();
			await streamer.getByRole("link", { name: "Your profile" }).waitFor();
			// Going live needs a verified address: the link the stack mailed, followed.
			await followVerificationMail(stack.baseUrl, stack.mailUrl, email);

			await streamer.getByRole("link", { name: "Live", exact: true }).click();
			await streamer.getByRole("link", { name: "Go live" }).click();
			await streamer.getByRole("button", { name: "Turn on camera and microphone" }).click();
			// The preview is portrait, as viewers will see it, and the frames it shows are timed from now on.
			const preview = streamer.getByLabel("Camera preview");
			await streamer.waitForFunction(() => (document.querySelector<HTMLVideoElement>("video")?.videoWidth ?? 0) > 0);
			const shape = await preview.evaluate((v: HTMLVideoElement) => ({ w: v.videoWidth, h: v.videoHeight }));
			expect(shape.h).toBeGreaterThan(shape.w);
			await readFrameCodes(streamer, 'video[aria-label="Camera preview"]', FRAME_CODE_BITS);
			await streamer.getByLabel("Title").fill("From the browser");
			await streamer.getByRole("button", { name: "Start streaming" }).click();
			// Until its first seconds are in, the broadcaster's chip and sentence agree: connecting, not live.
			await streamer.getByText("Connecting", { exact: true }).or(streamer.getByText("You are live.")).waitFor();
			await streamer.getByText("You are live.").waitFor({ timeout: 30_000 });
			await expect.poll(() => streamer.getByText("LIVE", { exact: true }).count()).toBe(1);
			const pageLink = await streamer.getByRole("link", { name: "Your stream's page" }).getAttribute("href");
			const id = pageLink?.split("/live/")[1] as string;
			expect((await getStream(id)).status).toBe("live");

			// A visitor at a desk's size opens the stream: time to the first frame, then camera-to-viewer latency.
			const viewerCtx = await newVisitorContext(browser, { viewport: { width: 1440, height: 900 } });
			const viewer = await viewerCtx.newPage();
			const viewerConsole = consoleOf(viewer);
			const arrived = Date.now();
			await viewer.goto(url(`/live/${id}`));
			await viewer.getByRole("heading", { name: "From the browser" }).waitFor();
			await viewer
				.waitForFunction(() => (document.querySelector("video")?.currentTime ?? 0) > 0, null, { timeout: 30_000, polling: 20 })
				.catch(async (err) => {
					await viewer.screenshot({ path: resolve(root, ".local/artifacts/live-viewer-failure.png") });
					const state = await viewer.evaluate(() => {
						const v = document.querySelector("video");
						const loaded = performance.getEntriesByType("resource").map((e) => e.name.split("/").slice(-2).join("/"));
						return { readyState: v?.readyState, paused: v?.paused, error: v?.error?.message, src: v?.currentSrc, loaded };
					});
					throw new Error(`${err}\n${JSON.stringify(state)}\n${viewerConsole.join("\n")}`);
				});
			const firstFrameMs = Date.now() - arrived;
			await readFrameCodes(viewer, "video", FRAME_CODE_BITS);
			// Three seconds of distinct frames (the camera sends 15 a second).
			await viewer.waitForFunction(() => (window as unknown as { frameCodes: unknown[] }).frameCodes.length >= 45, null, {
				timeout: 30_000,
			});
			const codes = (page: typeof viewer) => page.evaluate(() => (window as unknown as { frameCodes: [number, number][] }).frameCodes);
			const latencies = frameLatencies(await codes(streamer), await codes(viewer)).sort((a, b) => a - b);
			// Most frames the viewer showed were matched to the camera's (a few may be read mid-decode).
			expect(latencies.length).toBeGreaterThanOrEqual(30);
			const at = (q: number) => latencies[Math.floor(q * (latencies.length - 1))];
			console.log(
				JSON.stringify({ liveInBrowser: { viewerFirstFrameMs: firstFrameMs, cameraToViewerP50Ms: at(0.5), cameraToViewerP90Ms: at(0.9) } }),
			);
			await viewer.screenshot({ path: resolve(root, ".local/artifacts/live-viewer-desktop.png") });

			// Signed out, the chat asks to sign in in a sheet and comes back to the stream, ready to type.
			await viewer.getByRole("button", { name: "Sign in" }).click();
			await viewer.getByRole("dialog").getByRole("link", { name: "Create an account" }).click();
			await viewer.getByLabel("Name").fill("Stream viewer");
			await viewer.getByLabel("Email").fill(`viewer-${crypto.randomUUID().slice(0, 8)}@example.test`);
			await viewer.getByLabel("Password").fill("dev stack pass 1");
			await viewer.getByRole("button", { name: "Sign up" }).click();
			await viewer.waitForURL(url(`/live/${id}`));
			await expect.poll(() => viewer.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Say something");
			await viewer.keyboard.type("hello from a viewer");
			await viewer.keyboard.press("Enter");
			await streamer.getByText("hello from a viewer").waitFor();
			await streamer.getByText(/[12] watching/).waitFor();
			await streamer.getByLabel("Say something").fill("hello from the stream");
			await streamer.getByRole("button", { name: "Send" }).click();
			await viewer.getByText("hello from the stream").waitFor();
			await streamer.screenshot({ path: resolve(root, ".local/artifacts/live-broadcaster-phone.png") });

			await streamer.getByRole("button", { name: "End stream" }).click();
			await streamer.getByText("You ended the stream.").waitFor();
			await endOf(id, 30_000);
			await streamer.getByRole("button", { name: "Post the recording as a reel" }).click();
			await streamer.waitForURL(/\/reel\/[0-9a-f-]{36}$/);
			const reelId = streamer.url().split("/reel/")[1] as string;
			const reel = await (await fetch(url(`/api/reels/${reelId}`))).json();
			expect(reel).toMatchObject({ video: { status: "ready" } });
			// The reel plays in Chromium: its own HLS fails on MPEG-TS, and hls.js takes over.
			await streamer
				.waitForFunction(() => (document.querySelector("video")?.currentTime ?? 0) > 1, null, { timeout: 30_000 })
				.catch(async (err) => {
					await streamer.screenshot({ path: resolve(root, ".local/artifacts/live-recording-failure.png") });
					const state = await streamer.evaluate(() => {
						const v = document.querySelector("video");
						const loaded = performance.getEntriesByType("resource").map((e) => e.name.split("/").slice(-3).join("/"));
						return {
							readyState: v?.readyState,
							paused: v?.paused,
							error: v?.error?.message,
							src: v?.currentSrc,
							t: v?.currentTime,
							loaded,
						};
					});
					throw new Error(`${err}\n${JSON.stringify(state)}\n${streamerConsole.join("\n")}`);
				});
			await streamer.screenshot({ path: resolve(root, ".local/artifacts/live-go-live.png") });
			// Neither page logged an error on the way.
			expect(streamerConsole).toEqual([]);
			expect(viewerConsole).toEqual([]);
		} finally {
			await browser.close();
		}
	});

	it("takes a stream down when its recording is deleted mid-stream: the publisher is closed (4410) and none of its media is served", {
		timeout: 60_000,
	}, async () => {
		const s = await createStream();
		const push = livePush(s, COUNTER_SOURCE, 20);
		await waitFor("live", async () => (await getStream(s.id)).status === "live", 20_000);
		const low = (await rungsOf(s.playback.hls))[1] as { playlist: string };
		const [first] = segmentsIn(await (await fetch(low.playlist)).text());
		const deleted = await fetch(url(`/api/assets/${s.videoId}`), {
			method: "DELETE",
			headers: { authorization: `Bearer ${owner.accessToken}` },
		});
		expect(deleted.status).toBe(200);
		// The CLI stops on 4410 (final) and exits 1.
		expect(await push.exited).toBe(1);
		expect(push.events.filter((e) => e.event === "closed").map((e) => e.code)).toEqual([4410]);
		expect((await fetch(url(`/api/live/${s.id}`))).status).toBe(404);
		for (const gone of [url(s.playback.hls), low.playlist, new URL(first as string, low.playlist).href]) {
			expect((await fetch(gone)).status, gone).toBe(404);
		}
		await waitFor("no live FFmpeg", async () => liveFfmpegsIn(transcoderWorkDir) === 0, 10_000);
	});
});
