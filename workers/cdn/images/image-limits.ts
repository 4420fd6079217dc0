// The pixel cap, checked from an image's header before anything decodes it:
// a tiny file can declare a huge canvas (a decompression bomb). Every path
// that decodes an image (resizing, upload thumbnails) calls this first.
import { configOf } from "../../lib/config/config";
import { joinBytes } from "../../lib/encoding/bytes";
import { HttpProblem } from "../../lib/problems/http-problem";
import { type DeclaredSize, declaredSize } from "./image-header";

/** Enough of the file for any image header we accept (JPEG SOF can follow large EXIF blocks). */
export const HEADER_PROBE_BYTES = 256 * 1024;

export function assertWithinPixelCap(env: Env, size: DeclaredSize | undefined): void {
	const cap = configOf(env).IMAGE_MAX_MEGAPIXELS;
	if (size && size.width * size.height > cap * 1_000_000) {
		throw new HttpProblem(
			422,
			"image_too_large",
			`The source declares ${size.width}x${size.height} pixels; the limit is ${cap} megapixels.`,
		);
	}
}

/** Reads the first bytes of R2 object `key` and refuses it when its header declares more pixels than the cap. */
export async function assertStoredImageWithinCap(env: Env, key: string): Promise<Uint8Array | undefined> {
	const head = await env.MEDIA.get(key, { range: { offset: 0, length: HEADER_PROBE_BYTES } });
	if (!head) return undefined;
	const prefix = new Uint8Array(await head.arrayBuffer());
	assertWithinPixelCap(env, declaredSize(prefix));
	return prefix;
}

export interface ImageSource {
	/** The header's declared size, when our parser knows the format (JPEG, PNG, GIF, WebP). */
	size: DeclaredSize | undefined;
	/** The first bytes read (at most HEADER_PROBE_BYTES, more only when a chunk overshoots). */
	head: Uint8Array;
	/** The whole file, the head included, for the decoder. */
	body: ReadableStream<Uint8Array>;
}

/**
 * One R2 read of a source image: the stream's first chunks are read until our
 * parser finds the declared size (or HEADER_PROBE_BYTES have passed), the
 * pixel cap is checked from those bytes, and the same stream, head
 * re-prepended, goes to the decoder. Undefined when there is no such object.
 */
export async function openImageSource(env: Env, key: string): Promise<ImageSource | undefined> {
	const object = await env.MEDIA.get(key);
	return object ? probeImageStream(env, object.body) : undefined;
}

/** `stream`'s head read until its declared size shows, checked against the pixel cap; the whole stream, head included, to decode. */
export async function probeImageStream(env: Env, stream: ReadableStream<Uint8Array>): Promise<ImageSource> {
	const reader = stream.getReader();
	const chunks: Uint8Array[] = [];
	let length = 0;
	let size: DeclaredSize | undefined;
	let done = false;
	while (!size && length < HEADER_PROBE_BYTES) {
		const next = await reader.read();
		if (next.done) {
			done = true;
			break;
		}
		chunks.push(next.value);
		length += next.value.length;
		size = declaredSize(joinBytes(chunks));
	}
	const head = joinBytes(chunks);
	try {
		assertWithinPixelCap(env, size);
	} catch (err) {
		await reader.cancel();
		throw err;
	}
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			if (head.length) controller.enqueue(head);
			if (done) controller.close();
		},
		async pull(controller) {
			const next = await reader.read();
			if (next.done) controller.close();
			else controller.enqueue(next.value);
		},
		cancel: (reason) => reader.cancel(reason),
	});
	return { size, head, body };
}
