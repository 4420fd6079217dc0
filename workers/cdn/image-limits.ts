// The pixel cap, checked from an image's header before anything decodes it:
// a tiny file can declare a huge canvas (a decompression bomb). Every path
// that decodes an image (resizing, upload thumbnails) calls this first.
import { configOf } from "../lib/config/config";
import { HttpProblem } from "../lib/problems/http-problem";
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
