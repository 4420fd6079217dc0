// The transcoder's live mode over HTTP, with real FFmpeg: chunks in, a short-segment HLS ladder out.
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveFfmpegsIn, liveFoldersIn } from "../../../scripts/leftovers.ts";
import { ffprobeVideo, makeClip } from "../../../scripts/test-media.ts";
import type { TranscoderConfig } from "../config.ts";
import { createTranscoder, type Transcoder } from "../server.ts";
import type { LiveView } from "./live-encodes.ts";

const scratch = mkdtempSync(join(tmpdir(), "live-test-"));
const workDir = join(scratch, "work");
const CHUNK = 64 * 1024;

async function start(overrides: Partial<TranscoderConfig> = {}) {
	const t = createTranscoder({ port: 0, host: "127.0.0.1", workDir, maxLiveStreams: 3, ...overrides });
	t.server.listen(0, "127.0.0.1");
	await once(t.server, "listening");
	return { t, url: `http://127.0.0.1:${(t.server.address() as AddressInfo).port}` };
}

let landscape: Buffer;
let tiny: Buffer;
let main: { t: Transcoder; url: string };

const chunksOf = (bytes: Buffer) =>
	Array.from({ length: Math.ceil(bytes.length / CHUNK) }, (_, i) => bytes.subarray(i * CHUNK, (i + 1) * CHUNK));

async function send(id: string, session: number, seq: number, body: Uint8Array) {
	const res = await fetch(`${main.url}/live/${id}/chunks?session=${session}&seq=${seq}`, { method: "POST", body });
	return { status: res.status, body: (await res.json()) as LiveView & { code?: string } };
}

async function push(id: string, bytes: Buffer, session = 0) {
	const chunks = chunksOf(bytes);
	for (const [seq, chunk] of chunks.entries()) expect((await send(id, session, seq, chunk)).status).toBe(200);
	return chunks.length;
}

const view = async (id: string, query = "") => (await (await fetch(`${main.url}/live/${id}${query}`)).json()) as LiveView;
const end = async (id: string) => (await (await fetch(`${main.url}/live/${id}/end`, { method: "POST" })).json()) as LiveView;
const file = async (id: string, path: string) => Buffer.from(await (await fetch(`${main.url}/live/${id}/files/${path}`)).arrayBuffer());
beforeAll(async () => {
	landscape = makeClip(scratch, { size: "1280x720", seconds: 4, rate: 30, name: "landscape.ts" }).bytes;
	tiny = makeClip(scratch, { size: "320x240", seconds: 2, rate: 30, silent: true, name: "tiny.ts" }).bytes;
	main = await start();
});
afterAll(async () => {
	await main.t.shutdown();
});

describe("a live stream", () => {
	it("turns a pushed MPEG-TS stream into a two-rung HLS ladder of 1 s segments, then a VOD with ENDLIST and a poster", async () => {
		await push("landscape", landscape);
		const running = await view("landscape", "?waitMs=10000&after=0");
		expect(running.state).toBe("live");
		expect(running.outputs?.renditions.map((r) => `${r.width}x${r.height}`)).toEqual(["1280x720", "640x360"]);
		const master = running.outputs?.playlists.find((p) => p.role === "manifest")?.text ?? "";
		expect(master).toContain("RESOLUTION=1280x720");
		expect(master).toContain("0/index.m3u8");
		const live = running.outputs?.playlists.find((p) => p.path === "hls/1/index.m3u8")?.text ?? "";
		expect(live).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
		expect(live).not.toContain("#EXT-X-ENDLIST");

		const ended = await end("landscape");
		expect(ended.state).toBe("ended");
		expect(ended.durationS).toBeGreaterThan(3.5);
		expect(ended.durationS).toBeLessThan(4.5);
		for (const p of ended.outputs?.playlists.filter((x) => x.role === "playlist") ?? []) {
			expect(p.text).toMatch(/#EXT-X-ENDLIST\n$/);
			expect(p.text).toMatch(/#EXT-X-TARGETDURATION:1\n/);
		}
		const segment = ended.outputs?.files.find((f) => f.path === "hls/1/seg00001.ts");
		expect(segment?.contentType).toBe("video/mp2t");
		const decoded = ffprobeVideo(await file("landscape", "hls/1/seg00001.ts"), scratch);
		expect(decoded).toMatchObject({ width: 640, height: 360, frames: 30 });
		expect(ended.outputs?.files.some((f) => f.role === "poster" && f.bytes > 0)).toBe(true);
		expect(liveFfmpegsIn(workDir)).toBe(0);
	}, 30_000);

	it("gives a source below 360p one rung at its own size, and plays a stream without audio", async () => {
		await push("tiny", tiny);
		const ended = await end("tiny");
		expect(ended.outputs?.renditions).toMatchObject([{ width: 320, height: 240, codecs: "avc1.4d401f" }]);
	}, 30_000);

	it("acknowledges a chunk sent twice once, refuses a gap, and continues a reconnecting publisher's session after a discontinuity", async () => {
		const [first, second, ...rest] = chunksOf(landscape);
		expect((await send("again", 0, 0, first as Buffer)).status).toBe(200);
		const twice = await send("again", 0, 0, first as Buffer);
		expect(twice).toMatchObject({ status: 200, body: { nextSeq: 1, bytesIn: (first as Buffer).length } });
		expect(await send("again", 0, 2, second as Buffer)).toMatchObject({ status: 409, body: { code: "out_of_order" } });
		expect((await send("again", 0, 1, second as Buffer)).status).toBe(200);
		for (const [i, chunk] of rest.entries()) await send("again", 0, i + 2, chunk);
		// The publisher comes back as session 1 and sends the stream again from its start.
		await push("again", landscape, 1);
		expect(await send("again", 0, 99, first as Buffer)).toMatchObject({ status: 409, body: { code: "stale_session" } });
		const ended = await end("again");
		const playlist = ended.outputs?.playlists.find((p) => p.path === "hls/0/index.m3u8")?.text ?? "";
		expect(playlist).toMatch(/#EXT-X-DISCONTINUITY\n#EXTINF/);
		expect(ended.durationS).toBeGreaterThan(7.5);
		expect(ended.durationS).toBeLessThan(8.5);
	}, 30_000);

	it("refuses bytes that are not media with the first chunk, and leaves no FFmpeg and no folder behind", async () => {
		const garbage = await send("garbage", 0, 0, new TextEncoder().encode("GET / HTTP/1.1\r\n".repeat(100)));
		expect(garbage).toMatchObject({ status: 422, body: { code: "not_media" } });
		expect(await view("garbage")).toMatchObject({ state: "failed", error: { code: "not_media" } });
		expect(await send("garbage", 0, 1, landscape.subarray(0, CHUNK))).toMatchObject({ status: 409, body: { code: "not_media" } });
		expect(liveFoldersIn(workDir).filter((d) => d.startsWith("live-garbage-"))).toEqual([]);
	});

	it("refuses a stream whose first megabytes hold MPEG-TS packets but no video", async () => {
		const ts = Buffer.alloc(188 * 50_000, 0xff);
		for (let i = 0; i < ts.length; i += 188) ts[i] = 0x47;
		let last = { status: 200, body: {} as LiveView & { code?: string } };
		for (const [seq, chunk] of chunksOf(ts).entries()) {
			last = await send("no-video", 0, seq, chunk);
			if (last.status !== 200) break;
		}
		expect(last).toMatchObject({ status: 422, body: { code: "unreadable_stream" } });
	}, 30_000);

	it("ends a stream nobody feeds any more, and a removed one leaves nothing behind", async () => {
		await push("idle", landscape.subarray(0, 4 * CHUNK));
		await main.t.live.sweep(performance.now() + 60_000);
		expect((await view("idle")).state).toBe("ended");
		await push("removed", landscape.subarray(0, 6 * CHUNK));
		// Encoding: the check below would see it.
		expect(liveFfmpegsIn(workDir)).toBe(1);
		expect((await fetch(`${main.url}/live/removed`, { method: "DELETE" })).status).toBe(204);
		expect((await fetch(`${main.url}/live/removed`)).status).toBe(404);
		expect(liveFoldersIn(workDir).filter((d) => d.startsWith("live-removed-"))).toEqual([]);
		expect(liveFfmpegsIn(workDir)).toBe(0);
	}, 30_000);

	it("says busy when every live slot is taken, and refuses chunks over 1 MiB", async () => {
		const small = await start({ maxLiveStreams: 1 });
		try {
			const post = (id: string, body: Uint8Array) => fetch(`${small.url}/live/${id}/chunks?session=0&seq=0`, { method: "POST", body });
			expect((await post("one", landscape.subarray(0, CHUNK))).status).toBe(200);
			const busy = await post("two", landscape.subarray(0, CHUNK));
			expect(busy.status).toBe(429);
			expect(busy.headers.get("retry-after")).toBe("5");
			expect((await post("one", new Uint8Array(1024 * 1024 + 1))).status).toBe(413);
		} finally {
			await small.t.shutdown();
		}
	});
});
