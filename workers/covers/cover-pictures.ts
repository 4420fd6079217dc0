// The two pictures of a cover, made either from a frame of the video or from
// an image the creator sends: the poster at the top rung's size and the
// thumbnail (long side 640, as the transcoder makes it), both JPEG. An image
// gets the checks every uploaded image gets (its bytes sniffed, AVIF only where
// the account reads it, the pixel cap read from its header before anything
// decodes it, its metadata stripped as it streams, the size limit counted as
// it streams) and is cropped to the video's shape.
import { probeImageStream } from "../cdn/images/image-limits";
import { imagesProblem } from "../cdn/images/images-errors";
import { sniffMediaType } from "../cdn/upload/sniff-media-type";
import { metadataStripperFor } from "../cdn/upload/strip-metadata";
import { configOf } from "../lib/config/config";
import { HttpProblem } from "../lib/problems/http-problem";
import { topRung, videoFrame } from "./video-frame";

/** The transcoder's thumbnail rule (transcode-container/src/ladder.ts): long side 640, never upscaled, even sides. */
const THUMBNAIL_LONG_SIDE = 640;

export function thumbnailSize(width: number, height: number): { width: number; height: number } {
	const scale = Math.min(1, THUMBNAIL_LONG_SIDE / Math.max(width, height));
	const even = (n: number) => Math.max(2, Math.round((n * scale) / 2) * 2);
	return { width: even(width), height: even(height) };
}

export interface CoverPictures {
	poster: Uint8Array;
	thumbnail: Uint8Array;
}

const unreadable = () => new HttpProblem(422, "unreadable_image", "The image is damaged, truncated or not one we can read.");

async function jpeg(env: Env, input: ReadableStream<Uint8Array>, size: { width: number; height: number }, quality: number) {
	const out = await env.IMAGES.input(input)
		.transform({ width: size.width, height: size.height, fit: "cover" })
		.output({ format: "image/jpeg", quality });
	return new Uint8Array(await out.response().arrayBuffer());
}

const streamOf = (bytes: Uint8Array) => new Response(bytes).body as ReadableStream<Uint8Array>;

/** The thumbnail made from the poster (one Images transformation). */
async function withThumbnail(env: Env, poster: Uint8Array, size: { width: number; height: number }): Promise<CoverPictures> {
	try {
		return { poster, thumbnail: await jpeg(env, streamOf(poster), thumbnailSize(size.width, size.height), 80) };
	} catch (err) {
		throw imagesProblem(err, unreadable);
	}
}

/** The frame on screen at `time` seconds (the transcoder decodes one segment of the top rung) and its thumbnail. */
export async function coverFromFrame(env: Env, assetId: string, time: number): Promise<CoverPictures> {
	const frame = await videoFrame(env, assetId, time);
	return withThumbnail(env, frame.jpeg, frame);
}

/**
 * `body` (an image the creator sent, streamed) cropped to the video's top rung and its thumbnail.
 * 415 for anything but an image, 413 past UPLOAD_MAX_IMAGE_BYTES, 422 past the pixel cap or when it
 * does not decode.
 */
export async function coverFromImage(env: Env, assetId: string, body: ReadableStream<Uint8Array>): Promise<CoverPictures> {
	const config = configOf(env);
	const rung = await topRung(env, assetId);
	if (!rung) throw new HttpProblem(409, "video_not_ready", "A cover can be set once the video is ready.");
	const source = await probeImageStream(env, body);
	const type = sniffMediaType(source.head);
	const refuse = async (problem: HttpProblem) => {
		await source.body.cancel();
		return problem;
	};
	if (type?.kind !== "image") {
		throw await refuse(new HttpProblem(415, "unsupported_media_type", "A cover is a JPEG, PNG, GIF, WebP or AVIF image."));
	}
	if (type.mimetype === "image/avif" && !config.IMAGES_AVIF_INPUT) {
		throw await refuse(new HttpProblem(415, "avif_input_unavailable", "AVIF pictures are not accepted here; send JPEG, PNG, WebP or GIF."));
	}
	if (!source.size || source.size.width === 0 || source.size.height === 0) throw await refuse(unreadable());
	const stripper = metadataStripperFor(type.mimetype);
	const max = config.UPLOAD_MAX_IMAGE_BYTES;
	let received = 0;
	// What the stream itself refused (too large, metadata we cannot strip): the binding reports only that its input failed.
	let refusal: HttpProblem | undefined;
	const stripped = source.body.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			transform(chunk, out) {
				received += chunk.length;
				try {
					if (received > max) throw new HttpProblem(413, "file_too_large", `An image is limited to ${max} bytes.`);
					for (const part of stripper.push(chunk)) out.enqueue(part);
				} catch (err) {
					refusal = err instanceof HttpProblem ? err : unreadable();
					throw refusal;
				}
			},
			flush(out) {
				for (const part of stripper.finish()) out.enqueue(part);
			},
		}),
	);
	let poster: Uint8Array;
	try {
		poster = await jpeg(env, stripped, rung, 85);
	} catch (err) {
		throw refusal ?? imagesProblem(err, unreadable);
	}
	if (refusal) throw refusal;
	return withThumbnail(env, poster, rung);
}
