import { env } from "cloudflare:workers";

const decode = (b64: string) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

/** Real media bytes made by ffmpeg in the global setup. */
export const sampleVideo = () => decode(env.SAMPLE_VIDEO_BASE64);
export const samplePng = () => decode(env.SAMPLE_PNG_BASE64);
export const sampleJpeg = () => decode(env.SAMPLE_JPEG_BASE64);
/** 6 s of MPEG-TS, as a live publisher sends it. */
export const sampleLiveTs = () => decode(env.SAMPLE_LIVE_TS_BASE64);

/** A PNG whose header declares width x height but carries no pixel data: a decompression bomb's calling card. */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
	const ihdr = new Uint8Array(13);
	const view = new DataView(ihdr.buffer);
	view.setUint32(0, width);
	view.setUint32(4, height);
	ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
	const type = new TextEncoder().encode("IHDR");
	const crcInput = new Uint8Array([...type, ...ihdr]);
	const chunk = new Uint8Array(4 + 4 + 13 + 4);
	const cv = new DataView(chunk.buffer);
	cv.setUint32(0, 13);
	chunk.set(crcInput, 4);
	cv.setUint32(21, crc32(crcInput));
	const iend = Uint8Array.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
	return new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...chunk, ...iend]);
}

function crc32(bytes: Uint8Array): number {
	let c = 0xffffffff;
	for (const b of bytes) {
		c ^= b;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	}
	return (c ^ 0xffffffff) >>> 0;
}
