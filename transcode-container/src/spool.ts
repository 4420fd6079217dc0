import { createWriteStream } from "node:fs";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

export class SourceTooLarge extends Error {
	readonly limitBytes: number;
	constructor(limitBytes: number) {
		super(`source exceeds ${limitBytes} bytes`);
		this.limitBytes = limitBytes;
		this.name = "SourceTooLarge";
	}
}

/**
 * Streams a request body to disk with a hard byte limit. FFmpeg needs a
 * seekable file for MP4s whose index sits at the end, so the source is
 * spooled once; memory stays bounded by the stream's high-water mark.
 */
export async function spoolToFile(source: Readable, path: string, limitBytes: number, signal?: AbortSignal): Promise<number> {
	let bytes = 0;
	const limiter = new Transform({
		transform(chunk: Buffer, _enc, done) {
			bytes += chunk.length;
			if (bytes > limitBytes) done(new SourceTooLarge(limitBytes));
			else done(null, chunk);
		},
	});
	await pipeline(source, limiter, createWriteStream(path), signal ? { signal } : {});
	return bytes;
}
