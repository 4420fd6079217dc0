import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClip } from "../../scripts/test-media.ts";
import { ffmpegArgs } from "./ffmpeg-command.ts";
import { demuxerFor } from "./input-format.ts";
import { planTranscode } from "./ladder.ts";
import { liveFfmpegArgs, livePosterArgs } from "./live/live-command.ts";
import { planLiveLadder } from "./live/live-ladder.ts";
import { probeFile } from "./probe.ts";
import { createTranscoder, type Transcoder } from "./server.ts";

const scratch = mkdtempSync(join(tmpdir(), "input-format-test-"));
const text = (s: string) => new TextEncoder().encode(s);

/** A DASH manifest whose first bytes pass for fragmented MP4 (`styp` at offset 4), pointing at another file on the machine. */
const disguisedMpd = (target: string) =>
	`<!--styp--><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT2S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">
 <Period><AdaptationSet mimeType="video/mp4"><Representation id="0" bandwidth="100000" width="240" height="426">
  <BaseURL>file://${target}</BaseURL>
 </Representation></AdaptationSet></Period>
</MPD>
`;

/** The input options right before each `-i`. */
const inputs = (args: string[]) => args.flatMap((a, i) => (a === "-i" ? [args.slice(Math.max(0, i - 4), i).join(" ")] : []));

describe("demuxerFor", () => {
	it("names the demuxer for the media the platform takes, from the first bytes", () => {
		const ts = new Uint8Array(189);
		ts[0] = 0x47;
		ts[188] = 0x47;
		expect(demuxerFor(ts)).toBe("mpegts");
		expect(demuxerFor(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0x01]))).toBe("matroska");
		expect(demuxerFor(text("\0\0\0\x20ftypisom"))).toBe("mov");
		expect(demuxerFor(text("\0\0\0\x18stypmsdh"))).toBe("mov");
	});

	it("names none for playlists, manifests and scripts, whatever they hold", () => {
		expect(demuxerFor(text("#EXTM3U\n#EXTINF:2,\nfile:///etc/passwd\n"))).toBeNull();
		expect(demuxerFor(text("ffconcat version 1.0\nfile /etc/passwd\n"))).toBeNull();
		expect(demuxerFor(text('<?xml version="1.0"?><MPD></MPD>'))).toBeNull();
	});
});

describe("every FFmpeg input is pinned to our sniff and one protocol", () => {
	it("gives the VOD pass, the storyboard, the live encoder and its poster a demuxer and a protocol whitelist", () => {
		const plan = planTranscode({ durationMs: 3000, width: 240, height: 426, hasAudio: true, frameRate: 25 });
		expect(inputs(ffmpegArgs("/w/source", "/w/out", plan, { preset: "veryfast" }, "mov"))).toEqual([
			expect.stringMatching(/-f mov -protocol_whitelist file$/),
		]);
		expect(inputs(liveFfmpegArgs("/w/out", planLiveLadder(1280, 720), true, false, "veryfast", "matroska"))[0]).toMatch(
			/-f matroska -protocol_whitelist pipe$/,
		);
		expect(inputs(livePosterArgs("/w/seg.ts", "/w/poster.jpg"))[0]).toMatch(/-f mpegts -protocol_whitelist file$/);
	});
});

describe("a manifest disguised as media", () => {
	let canary: string;
	let disguised: string;
	let transcoder: { t: Transcoder; url: string };
	beforeAll(async () => {
		// Another file on the machine (say, another user's source in the work folder).
		canary = makeClip(scratch, { size: "240x426", seconds: 2, rate: 25, silent: true }).path;
		disguised = join(scratch, "source");
		writeFileSync(disguised, disguisedMpd(canary));
		const t = createTranscoder({
			port: 0,
			host: "127.0.0.1",
			workDir: join(scratch, "work"),
			maxSourceBytes: 1 << 20,
			maxSourceSeconds: 60,
		});
		t.server.listen(0, "127.0.0.1");
		await once(t.server, "listening");
		transcoder = { t, url: `http://127.0.0.1:${(t.server.address() as AddressInfo).port}` };
	});
	afterAll(async () => {
		await transcoder.t.drain();
	});

	it("is read by an unpinned ffprobe as DASH, which opens the file it names (the attack is real on this FFmpeg)", () => {
		const out = execFileSync("ffprobe", ["-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", disguised], {
			encoding: "utf8",
		});
		expect(out).toContain("240,426");
	});

	it("is refused by the probe pinned to what its bytes claim to be, with nothing read", async () => {
		expect(demuxerFor(text(disguisedMpd(canary)))).toBe("mov");
		await expect(probeFile(disguised, 60, "mov")).rejects.toMatchObject({ code: "unreadable_media" });
	});

	it("is refused by the transcoder with 422 before any FFmpeg run", async () => {
		const res = await fetch(`${transcoder.url}/jobs/disguised`, { method: "PUT", body: disguisedMpd(canary) });
		expect(res.status).toBe(422);
		expect(await res.json()).toMatchObject({ code: "unreadable_media" });
	});
});
