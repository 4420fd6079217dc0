// Publishes to a live stream: FFmpeg reads a file or a lavfi source in real
// time (-re) and writes MPEG-TS, which goes to the stream's ingest WebSocket
// one binary frame per read. For testing, and for publishing from a server.
//
//   npm run live:push -- clip.mp4 --stream <id> --key <streamKey>
//   npm run live:push -- "testsrc2=size=1280x720:rate=30" --token <access token> --duration 20
//       (no --stream: creates one with the token and prints it)
//
// Options: --url (default $REELS_URL or http://127.0.0.1:8787), --stream/--key (or $LIVE_STREAM_ID,
// $LIVE_STREAM_KEY), --token, --title, --duration <s>, --copy (send a file's H.264/AAC as it is). Progress goes to stdout as one JSON object per
// line (`created`, `connected`, `first_byte` with its epoch ms, `closed` with the close code), so
// tests and benchmarks read it too. A connection the server closes with 1012 (the encoder restarted)
// or that drops is reopened while FFmpeg runs; the stream goes on within its grace period.
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { Readable } from "node:stream";
import { parseArgs } from "node:util";

/** MPEG-TS packets are 188 bytes, each starting with 0x47: a reconnect starts the new session on a packet boundary. */
export function tsPacketStart(buf: Uint8Array): number {
	for (let i = 0; i + 376 < buf.length; i++) if (buf[i] === 0x47 && buf[i + 188] === 0x47 && buf[i + 376] === 0x47) return i;
	return -1;
}

/**
 * FFmpeg's arguments: the input in real time, as MPEG-TS on stdout, encoded for live (a keyframe a
 * second), or with `copy` sent as it is (a file that already holds H.264 and AAC: no encoding cost here).
 */
export function pushArgs(input: string, { durationS, copy = false }: { durationS?: number; copy?: boolean } = {}): string[] {
	const file = existsSync(input);
	const source = file
		? ["-re", "-i", input]
		: ["-re", "-f", "lavfi", "-i", input, "-f", "lavfi", "-re", "-i", "sine=frequency=440:sample_rate=48000"];
	const encode = [
		...["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-g", "30", "-keyint_min", "30"],
		...["-c:a", "aac", "-b:a", "128k"],
	];
	return [
		...["-hide_banner", "-loglevel", "error", "-nostats", ...source],
		...(durationS ? ["-t", String(durationS)] : []),
		...["-map", "0:v:0", "-map", file ? "0:a:0?" : "1:a:0"],
		...(copy && file ? ["-c", "copy"] : encode),
		...["-f", "mpegts", "-flush_packets", "1", "pipe:1"],
	];
}

const log = (event: string, data: Record<string, unknown> = {}) => console.log(JSON.stringify({ event, at: Date.now(), ...data }));

async function createStream(base: string, token: string, title?: string): Promise<{ id: string; streamKey: string }> {
	const res = await fetch(new URL("/api/live", base), {
		method: "POST",
		headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
		body: JSON.stringify(title ? { title } : {}),
	});
	if (res.status !== 201) throw new Error(`creating a stream answered ${res.status}: ${await res.text()}`);
	return (await res.json()) as { id: string; streamKey: string };
}

/** Close codes after which reconnecting cannot help (the stream ended, the media or the key is refused). */
const FINAL_CLOSES = new Set([1000, 1008, 1009, 4400, 4408, 4409, 4410, 4415]);

export async function push(options: {
	url: string;
	streamId: string;
	key: string;
	input: string;
	durationS?: number;
	copy?: boolean;
}): Promise<number> {
	const ffmpeg: ChildProcessByStdio<null, Readable, null> = spawn("ffmpeg", pushArgs(options.input, options), {
		stdio: ["ignore", "pipe", "inherit"],
	});
	const ingest = new URL(`/api/live/${options.streamId}/ingest`, options.url);
	ingest.protocol = ingest.protocol === "https:" ? "wss:" : "ws:";
	let ws: WebSocket | undefined;
	let open = false;
	let ffmpegDone = false;
	let firstByte = true;
	let newSession = false;
	let finalCode: number | undefined;
	let reconnects = 0;

	const connect = () =>
		new Promise<void>((resolve) => {
			const socket = new WebSocket(ingest, [`key.${options.key}`]);
			socket.binaryType = "arraybuffer";
			socket.addEventListener("open", () => {
				open = true;
				log("connected", { reconnects });
				resolve();
			});
			socket.addEventListener("close", (e) => {
				open = false;
				log("closed", { code: e.code, reason: e.reason });
				if (FINAL_CLOSES.has(e.code) || ffmpegDone || reconnects >= 5) {
					finalCode = e.code;
					ffmpeg.kill("SIGTERM");
				} else {
					reconnects++;
					newSession = true;
					setTimeout(() => void connect(), 500);
				}
				resolve();
			});
			ws = socket;
		});

	await connect();
	ffmpeg.stdout.on("data", (chunk: Buffer) => {
		if (!open || !ws) return; // between connections: these bytes are lost, the stream resumes after a discontinuity
		let bytes: Uint8Array = chunk;
		if (newSession) {
			const start = tsPacketStart(bytes);
			if (start < 0) return;
			bytes = bytes.subarray(start);
			newSession = false;
		}
		if (firstByte) {
			firstByte = false;
			log("first_byte");
		}
		ws.send(bytes);
	});
	const exit = await new Promise<number>((resolve) => ffmpeg.on("close", (code) => resolve(code ?? 1)));
	ffmpegDone = true;
	if (open && ws) {
		const socket = ws;
		// Every byte handed to the socket is sent before it closes: a normal close ends the stream.
		while (socket.bufferedAmount > 0) await new Promise((r) => setTimeout(r, 20));
		socket.close(1000, "done");
		await new Promise((r) => socket.addEventListener("close", r, { once: true }));
	}
	return finalCode ?? (exit === 0 ? 1000 : exit);
}

if (import.meta.main) {
	const { values, positionals } = parseArgs({
		allowPositionals: true,
		options: {
			url: { type: "string", default: process.env.REELS_URL ?? "http://127.0.0.1:8787" },
			stream: { type: "string", default: process.env.LIVE_STREAM_ID },
			key: { type: "string", default: process.env.LIVE_STREAM_KEY },
			token: { type: "string" },
			title: { type: "string" },
			duration: { type: "string" },
			copy: { type: "boolean", default: false },
		},
	});
	const input = positionals[0];
	if (!input || (!values.token && !(values.stream && values.key))) {
		console.error(
			"usage: npm run live:push -- <file or lavfi source> (--stream <id> --key <streamKey> | --token <access token>) [--duration s]",
		);
		process.exit(2);
	}
	(async () => {
		let streamId = values.stream;
		let key = values.key;
		if (!streamId || !key) {
			const created = await createStream(values.url, values.token as string, values.title);
			log("created", { stream: created });
			streamId = created.id;
			key = created.streamKey;
		}
		const durationS = values.duration ? Number(values.duration) : undefined;
		const code = await push({ url: values.url, streamId, key, input, durationS, copy: values.copy });
		process.exit(code === 1000 ? 0 : 1);
	})().catch((err: Error) => {
		console.error(`live:push failed: ${err.message}`);
		process.exit(1);
	});
}
