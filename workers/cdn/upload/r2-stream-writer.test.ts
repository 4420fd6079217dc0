import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { toHex } from "../../lib/encoding/bytes";
import { PART_BYTES, R2StreamWriter } from "./r2-stream-writer";

/** `total` bytes of a repeating pattern, cut into chunks of `chunk` bytes, as a request body arrives. */
function* chunksOf(total: number, chunk: number) {
	for (let at = 0; at < total; at += chunk) {
		const n = Math.min(chunk, total - at);
		yield Uint8Array.from({ length: n }, (_, i) => (at + i) % 251);
	}
}

async function writeAll(total: number, chunk: number) {
	const key = `tests/stream-writer/${crypto.randomUUID()}`;
	const writer = new R2StreamWriter(env.MEDIA, key, "application/octet-stream", 64 * 1024 * 1024);
	let largestBuffer = 0;
	for (const c of chunksOf(total, chunk)) {
		await writer.write(c);
		largestBuffer = Math.max(largestBuffer, (writer as unknown as { buffer: Uint8Array }).buffer.length);
	}
	await writer.close();
	return { key, writer, largestBuffer };
}

const sha256Of = async (bytes: ArrayBuffer | Uint8Array) => toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));

/** The SHA-256 of what chunksOf(total) wrote. */
async function expectedSha256(total: number) {
	const all = new Uint8Array(total);
	for (let i = 0; i < total; i++) all[i] = i % 251;
	return sha256Of(all);
}

describe("R2StreamWriter", () => {
	it("keeps a small file in one put and holds no more memory than has arrived (not a part's 8 MiB)", async () => {
		const total = 100_000;
		const { key, writer, largestBuffer } = await writeAll(total, 7_000);
		expect(largestBuffer).toBeLessThanOrEqual(128 * 1024);
		const object = (await env.MEDIA.get(key)) as R2ObjectBody;
		const sha256 = await expectedSha256(total);
		expect(await sha256Of(await object.arrayBuffer())).toBe(sha256);
		expect(await writer.checksum()).toBe(sha256);
	});

	it("writes a file over one part as equal parts, never holding more than one", async () => {
		const total = PART_BYTES + 300_001;
		const { key, writer, largestBuffer } = await writeAll(total, 1_000_003);
		expect(largestBuffer).toBe(PART_BYTES);
		const object = (await env.MEDIA.get(key)) as R2ObjectBody;
		expect(object.size).toBe(total);
		const sha256 = await expectedSha256(total);
		expect(await sha256Of(await object.arrayBuffer())).toBe(sha256);
		expect(await writer.checksum()).toBe(sha256);
	});

	it("refuses what passes its limit", async () => {
		const writer = new R2StreamWriter(env.MEDIA, `tests/stream-writer/${crypto.randomUUID()}`, "image/jpeg", 10);
		await expect(writer.write(new Uint8Array(11))).rejects.toMatchObject({ status: 413 });
	});
});
