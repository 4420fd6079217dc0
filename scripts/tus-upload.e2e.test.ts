// A real tus-js-client upload against `npm run dev`'s stack (scripts/dev.ts on
// ports of its own), cut off in the middle of a chunk and resumed; and a direct
// creator upload: a one-time URL an API key asks for, used by tus-js-client with
// no credential, once, for a real clip the transcoder then takes or refuses by length.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tus from "tus-js-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevStackProcess, registerOn, startDevStack } from "./dev-stack-process.ts";
import { makeClip } from "./test-media.ts";
import { waitFor } from "./wait-for.ts";

const MiB = 1024 * 1024;
const CHUNK = 5 * MiB;
let stack: DevStackProcess;
let token: string;

beforeAll(async () => {
	stack = await startDevStack("e2e-tus");
	token = (await registerOn(stack.baseUrl, { name: "Tus" })).accessToken;
}, 130_000);

afterAll(async () => {
	await stack?.stop();
});

/** 12 MiB that start like an MP4 (the server decides the type from the bytes). */
function videoLike(size: number): Buffer {
	const bytes = Buffer.alloc(size);
	bytes.write("\0\0\0\x18ftypisom\0\0\0\0isomiso2", 0, "latin1");
	for (let i = 32; i < size; i += 4099) bytes[i] = i % 251;
	return bytes;
}

function options(extra: Partial<tus.UploadOptions>): tus.UploadOptions {
	return {
		endpoint: `${stack.baseUrl}/api/uploads/tus`,
		chunkSize: CHUNK,
		retryDelays: [],
		headers: { Authorization: `Bearer ${token}` },
		metadata: { filename: "long.mp4", filetype: "video/mp4" },
		...extra,
	};
}

describe("tus-js-client against /api/uploads/tus", () => {
	it("resumes after the connection is cut in the middle of a chunk, and completes", async () => {
		const file = videoLike(12 * MiB + 321);

		// First attempt: cut off once the second chunk is half sent.
		let uploadUrl: string | null = null;
		await new Promise<void>((resolve, reject) => {
			const upload = new tus.Upload(
				file,
				options({
					onProgress: (sent) => {
						if (sent > CHUNK + 2 * MiB) {
							uploadUrl = upload.url;
							upload.abort(false).then(resolve, reject);
						}
					},
					onError: reject,
					onSuccess: () => reject(new Error("the upload finished before it could be cut off")),
				}),
			);
			upload.start();
		});
		expect(uploadUrl).toMatch(/\/api\/uploads\/tus\/[0-9a-f-]{36}$/);
		const url = uploadUrl ?? "";

		// Only whole chunks count: the offset is a multiple of the chunk size, short of the end.
		// (Over loopback the chunk in flight may or may not have fully arrived before the cut.)
		const head = await fetch(url, { method: "HEAD", headers: { Authorization: `Bearer ${token}`, "Tus-Resumable": "1.0.0" } });
		const offset = Number(head.headers.get("upload-offset"));
		expect(offset % CHUNK).toBe(0);
		expect(offset).toBeGreaterThanOrEqual(CHUNK);
		expect(offset).toBeLessThan(file.length);

		// Second attempt: resume from the server's offset.
		const progress: number[] = [];
		await new Promise<void>((resolve, reject) => {
			const upload = new tus.Upload(
				file,
				options({ uploadUrl: url, onProgress: (sent) => progress.push(sent), onError: reject, onSuccess: () => resolve() }),
			);
			upload.start();
		});
		expect(Math.min(...progress)).toBeGreaterThanOrEqual(offset);
		const done = await fetch(url, { method: "HEAD", headers: { Authorization: `Bearer ${token}`, "Tus-Resumable": "1.0.0" } });
		expect(done.status).toBe(200);
		expect(done.headers.get("upload-offset")).toBe(String(file.length));

		const id = url.split("/").at(-1);
		const status = await fetch(`${stack.baseUrl}/api/videos/${id}/status`, { headers: { Authorization: `Bearer ${token}` } });
		expect(status.status).toBe(200);
		expect(await status.json()).toMatchObject({ id, status: expect.stringMatching(/queued|processing|failed/) });
	}, 90_000);
});

describe("a direct creator upload with tus-js-client", () => {
	const scratch = mkdtempSync(join(tmpdir(), "direct-upload-"));
	afterAll(() => rmSync(scratch, { recursive: true, force: true }));

	/** The team's server: an API key of the account that will own the videos. */
	async function teamKey(): Promise<string> {
		const res = await fetch(`${stack.baseUrl}/api/keys`, {
			method: "POST",
			headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
			body: JSON.stringify({ password: "dev stack pass 1", name: "team server", scopes: ["videos:write"] }),
		});
		expect(res.status).toBe(201);
		return ((await res.json()) as { key: string }).key;
	}

	async function directUploadUrl(key: string, maxDurationSeconds: number) {
		const res = await fetch(`${stack.baseUrl}/api/videos/direct-upload`, {
			method: "POST",
			headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
			body: JSON.stringify({ maxDurationSeconds }),
		});
		expect(res.status).toBe(201);
		return (await res.json()) as { videoId: string; uploadUrl: string };
	}

	/** The creator's side: tus-js-client with the URL alone, no header of ours. */
	const upload = (file: Buffer, endpoint: string) =>
		new Promise<void>((resolve, reject) => {
			new tus.Upload(file, {
				endpoint,
				chunkSize: CHUNK,
				retryDelays: [],
				metadata: { filename: "from-a-creator.mp4", filetype: "video/mp4" },
				onError: reject,
				onSuccess: () => resolve(),
			}).start();
		});

	const statusOf = async (videoId: string) =>
		(await (await fetch(`${stack.baseUrl}/api/videos/${videoId}/status`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
			status: string;
			duration: number | null;
			error: { code: string } | null;
			trim: { durationSeconds: number; maxSeconds: number; until: string } | null;
		};

	const clipOf = (videoId: string, range: { start: number; end: number }) =>
		fetch(`${stack.baseUrl}/api/videos/${videoId}/clip`, {
			method: "POST",
			headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
			body: JSON.stringify(range),
		});

	it("uploads a creator's clip once with the URL alone; a second use is refused", async () => {
		const made = await directUploadUrl(await teamKey(), 10);
		expect((await statusOf(made.videoId)).status).toBe("pending_upload");
		const clip = makeClip(scratch, { size: "360x640", seconds: 2 }).bytes;
		await upload(clip, made.uploadUrl);
		await waitFor("the direct upload to be transcoded", async () => ["playable", "ready"].includes((await statusOf(made.videoId)).status), {
			timeoutMs: 60_000,
		});
		const again = await upload(clip, made.uploadUrl).then(
			() => "accepted",
			(err: Error) => err.message,
		);
		expect(again).toMatch(/response code: 409/);
	}, 90_000);

	it("fails a clip longer than the URL's maxDurationSeconds as too_long, keeps it a day to be trimmed, and makes a clip of it within the limit", async () => {
		const made = await directUploadUrl(await teamKey(), 1);
		await upload(makeClip(scratch, { size: "360x640", seconds: 3 }).bytes, made.uploadUrl);
		await waitFor("the long clip to be refused", async () => (await statusOf(made.videoId)).status === "failed", { timeoutMs: 60_000 });
		const refused = await statusOf(made.videoId);
		expect(refused.error?.code).toBe("too_long");
		expect(refused.trim).toMatchObject({ durationSeconds: 3, maxSeconds: 1 });
		const hoursLeft = (Date.parse(refused.trim?.until ?? "") - Date.now()) / 3_600_000;
		expect(hoursLeft).toBeGreaterThan(23);
		expect(hoursLeft).toBeLessThanOrEqual(24);

		// Trimming cannot make it a long video: the range is held to the URL's own limit.
		const over = await clipOf(made.videoId, { start: 0.5, end: 2 });
		expect(over.status).toBe(422);
		expect(await over.json()).toMatchObject({ code: "clip_too_long" });
		const res = await clipOf(made.videoId, { start: 1.5, end: 2.5 });
		expect(res.status).toBe(202);
		const clip = (await res.json()) as { id: string };
		await waitFor("the trimmed clip to be transcoded", async () => ["ready", "failed"].includes((await statusOf(clip.id)).status), {
			timeoutMs: 60_000,
		});
		expect(await statusOf(clip.id)).toMatchObject({ status: "ready", duration: 1, error: null, trim: null });
	}, 120_000);
});
