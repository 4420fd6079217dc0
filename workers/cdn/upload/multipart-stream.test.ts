import { describe, expect, it } from "vitest";
import { boundaryOf, type PartHeaders, readMultipart } from "./multipart-stream";

/** A real multipart body, as the runtime's FormData encodes it. */
async function encoded(form: FormData) {
	const req = new Request("http://x", { method: "POST", body: form });
	return { bytes: new Uint8Array(await req.arrayBuffer()), boundary: boundaryOf(req.headers.get("content-type") ?? "") };
}

function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
	let offset = 0;
	return new ReadableStream({
		pull(controller) {
			if (offset >= bytes.length) return controller.close();
			controller.enqueue(bytes.slice(offset, offset + size));
			offset += size;
		},
	});
}

async function collect(stream: ReadableStream<Uint8Array>, boundary: string) {
	const parts: (PartHeaders & { body: Uint8Array })[] = [];
	await readMultipart(stream, boundary, async (headers) => {
		const chunks: Uint8Array[] = [];
		return {
			write: async (c) => {
				chunks.push(c.slice());
			},
			close: async () => {
				const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
				let at = 0;
				for (const c of chunks) {
					body.set(c, at);
					at += c.length;
				}
				parts.push({ ...headers, body });
			},
		};
	});
	return parts;
}

describe("readMultipart", () => {
	const payload = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) % 256);

	it("splits a real form into its parts, whatever the chunk size (even 1 byte)", async () => {
		const form = new FormData();
		form.append("title", "hello");
		form.append("file", new File([payload], "clip.mp4", { type: "video/mp4" }));
		const { bytes, boundary } = await encoded(form);
		for (const size of [1, 7, 64, 4096, bytes.length]) {
			const parts = await collect(chunked(bytes, size), boundary);
			expect(
				parts.map((p) => [p.name, p.filename, p.contentType]),
				`chunk ${size}`,
			).toEqual([
				["title", undefined, undefined],
				["file", "clip.mp4", "video/mp4"],
			]);
			expect(new TextDecoder().decode(parts[0]?.body)).toBe("hello");
			expect(parts[1]?.body, `chunk ${size}`).toEqual(payload);
		}
	});

	it("keeps bytes that look like a boundary but are not one", async () => {
		const { bytes: probe, boundary } = await encoded(new FormData());
		expect(probe.length).toBeGreaterThan(0);
		const tricky = new TextEncoder().encode(`\r\n--${boundary.slice(0, -1)}X and \r\n-- more`);
		const form = new FormData();
		form.append("file", new File([tricky], "t.bin"));
		const enc = await encoded(form);
		const parts = await collect(chunked(enc.bytes, 3), enc.boundary);
		expect(parts[0]?.body).toEqual(tricky);
	});

	it("refuses a body cut off before its closing boundary, and a Content-Type that is not multipart", async () => {
		const form = new FormData();
		form.append("file", new File([payload], "x.bin"));
		const { bytes, boundary } = await encoded(form);
		await expect(collect(chunked(bytes.slice(0, bytes.length - 20), 100), boundary)).rejects.toMatchObject({
			status: 400,
			code: "malformed_multipart",
		});
		expect(() => boundaryOf("application/json")).toThrow();
		expect(() => boundaryOf(undefined)).toThrow();
	});
});
