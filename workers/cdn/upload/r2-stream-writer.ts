// Writes a stream of unknown length to R2 with bounded memory: small files in
// one put, larger ones as a multipart upload of equal PART_BYTES parts (R2
// requires equal part sizes, at least 5 MiB, except the last). At most one
// part is held in memory, and only as much of it as has arrived: the buffer
// starts small and doubles, so a 100 KB photo does not cost an 8 MiB
// allocation (zeroed, then collected), which under a crowd of uploads was a
// tenth of the isolate's time and most of its garbage.
import { toHex } from "../../lib/encoding/bytes";
import { HttpProblem } from "../../lib/problems/http-problem";

export const PART_BYTES = 8 * 1024 * 1024;
/** The buffer's first size; it doubles up to PART_BYTES as the file turns out larger. */
const FIRST_BUFFER_BYTES = 64 * 1024;

export class R2StreamWriter {
	private buffer = new Uint8Array(0);
	// SHA-256 of the whole file, computed as it streams past (the asset's checksum).
	private readonly digest = new crypto.DigestStream("SHA-256");
	private readonly digestWriter = this.digest.getWriter();
	private filled = 0;
	private upload?: R2MultipartUpload;
	private readonly parts: R2UploadedPart[] = [];
	bytes = 0;

	constructor(
		private readonly bucket: R2Bucket,
		readonly key: string,
		private readonly contentType: string,
		private readonly maxBytes: number,
		/** The problem past `maxBytes` (default: this kind of file is too large). */
		private readonly tooLarge: () => HttpProblem = () =>
			new HttpProblem(413, "file_too_large", `This kind of file is limited to ${maxBytes} bytes.`),
	) {}

	/** The problem this writer answers when more than its limit arrives (the kind's size, or the quota). */
	overLimit(): HttpProblem {
		return this.tooLarge();
	}

	async write(chunk: Uint8Array): Promise<void> {
		this.bytes += chunk.length;
		if (this.bytes > this.maxBytes) throw this.tooLarge();
		await this.digestWriter.write(chunk);
		let offset = 0;
		while (offset < chunk.length) {
			const n = Math.min(chunk.length - offset, PART_BYTES - this.filled);
			this.room(this.filled + n);
			this.buffer.set(chunk.subarray(offset, offset + n), this.filled);
			this.filled += n;
			offset += n;
			if (this.filled === PART_BYTES) await this.flushPart();
		}
	}

	/** Hex SHA-256 of everything written; call after close(). */
	async checksum(): Promise<string> {
		return toHex(new Uint8Array(await this.digest.digest));
	}

	/** Finishes the object; returns its R2 metadata. */
	async close(): Promise<R2Object> {
		await this.digestWriter.close();
		if (!this.upload) {
			const object = await this.bucket.put(this.key, this.buffer.subarray(0, this.filled), {
				httpMetadata: { contentType: this.contentType },
			});
			return object;
		}
		if (this.filled > 0) await this.flushPart();
		return this.upload.complete(this.parts);
	}

	/** Gives up: aborts a multipart upload so no parts linger. */
	async abort(): Promise<void> {
		await this.upload?.abort().catch(() => undefined);
	}

	/** Grows the buffer to hold `bytes` (never past PART_BYTES, which a full part then reuses). */
	private room(bytes: number) {
		if (bytes <= this.buffer.length) return;
		let size = Math.max(this.buffer.length, FIRST_BUFFER_BYTES);
		while (size < bytes) size *= 2;
		const grown = new Uint8Array(Math.min(size, PART_BYTES));
		grown.set(this.buffer.subarray(0, this.filled));
		this.buffer = grown;
	}

	private async flushPart() {
		this.upload ??= await this.bucket.createMultipartUpload(this.key, { httpMetadata: { contentType: this.contentType } });
		// A view, not a copy: the part is sent before the buffer is reused, so one part's memory is all there is.
		this.parts.push(await this.upload.uploadPart(this.parts.length + 1, this.buffer.subarray(0, this.filled)));
		this.filled = 0;
	}
}
