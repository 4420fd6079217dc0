// Images carrying what a phone writes into them: where they were taken, the
// camera, a comment, and bytes after the end of the image. Pure (no bindings),
// so the stripper's unit tests and the upload tests share them.

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const be16 = (n: number) => [n >> 8, n & 0xff];
const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

/** Text that must not survive stripping. */
export const SECRETS = ["SpyPhone", "GPSLatitude", "52.5163", "Meet me at home", "TRAILER-WITH-GPS"];

/** A big-endian TIFF block: IFD0 {Make, Orientation, GPS pointer} and a GPS IFD {LatitudeRef, Latitude}. */
function exifTiff(orientation: number): number[] {
	const make = ascii("SpyPhone\0");
	// Layout: header(8) | IFD0: count(2) + 3 entries(36) + next(4) = 42 → 50 | make(9) → 59 | pad → 60 | GPS IFD
	const gpsAt = 60;
	const ifd0 = [
		...be16(3),
		...[...be16(0x010f), ...be16(2), ...be32(make.length), ...be32(50)], // Make (ASCII at 50)
		...[...be16(0x0112), ...be16(3), ...be32(1), ...be16(orientation), 0, 0], // Orientation
		...[...be16(0x8825), ...be16(4), ...be32(1), ...be32(gpsAt)], // GPS IFD pointer
		...be32(0),
	];
	const gps = [
		...be16(2),
		...[...be16(0x0001), ...be16(2), ...be32(2), ...ascii("N\0"), 0, 0], // GPSLatitudeRef "N"
		...[...be16(0x0002), ...be16(5), ...be32(3), ...be32(gpsAt + 30)], // GPSLatitude (3 rationals at +30)
		...be32(0),
		...[...be32(52), ...be32(1), ...be32(31), ...be32(1), ...be32(0), ...be32(1)],
	];
	return [0x4d, 0x4d, 0, 0x2a, ...be32(8), ...ifd0, ...make, 0, ...gps];
}

const segment = (marker: number, payload: number[]) => [0xff, marker, ...be16(payload.length + 2), ...payload];

/** `jpeg` with an Exif block (GPS, camera, orientation), an XMP block, a comment and a trailer after EOI. */
export function jpegWithPersonalMetadata(jpeg: Uint8Array, orientation = 6): Uint8Array {
	const exif = segment(0xe1, [...ascii("Exif\0\0"), ...exifTiff(orientation)]);
	const xmp = segment(0xe1, ascii('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta exif:GPSLatitude="52.5163"/>'));
	const comment = segment(0xfe, ascii("Meet me at home"));
	return new Uint8Array([...jpeg.subarray(0, 2), ...exif, ...xmp, ...comment, ...jpeg.subarray(2), ...ascii("TRAILER-WITH-GPS")]);
}

/** `png` with a tEXt chunk after IHDR (the CRC is not checked by the stripper, and decoders are told by it). */
export function pngWithPersonalMetadata(png: Uint8Array): Uint8Array {
	const data = ascii("Comment\0Meet me at home");
	const chunk = [...be32(data.length), ...ascii("tEXt"), ...data, ...be32(crc32([...ascii("tEXt"), ...data]))];
	const afterIhdr = 8 + 25;
	return new Uint8Array([...png.subarray(0, afterIhdr), ...chunk, ...png.subarray(afterIhdr)]);
}

/** A WebP container (extended format) with VP8X flags for EXIF and XMP, a stand-in image chunk, and both chunks. */
export function webpWithPersonalMetadata(): Uint8Array {
	const chunk = (fourcc: string, payload: number[]) => {
		const size = payload.length;
		return [...ascii(fourcc), size & 0xff, (size >> 8) & 0xff, (size >> 16) & 0xff, size >>> 24, ...payload, ...(size % 2 ? [0] : [])];
	};
	const body = [
		...ascii("WEBP"),
		...chunk("VP8X", [0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
		...chunk("VP8L", [0x2f, 0, 0, 0, 0]),
		...chunk("EXIF", [...exifTiff(1)]),
		...chunk("XMP ", ascii('<x:xmpmeta exif:GPSLatitude="52.5163"/>')),
	];
	const size = body.length;
	return new Uint8Array([...ascii("RIFF"), size & 0xff, (size >> 8) & 0xff, (size >> 16) & 0xff, size >>> 24, ...body]);
}

function crc32(bytes: number[]): number {
	let c = 0xffffffff;
	for (const b of bytes) {
		c ^= b;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	}
	return (c ^ 0xffffffff) >>> 0;
}

/** Whether any of SECRETS is still in `bytes`. */
export const leaks = (bytes: Uint8Array) => SECRETS.filter((s) => new TextDecoder("latin1").decode(bytes).includes(s));

/** `jpeg` without its comment segments (FFmpeg writes its version into one): what storing it keeps. */
export function withoutJpegComments(jpeg: Uint8Array): Uint8Array {
	const out: number[] = [...jpeg.subarray(0, 2)];
	let at = 2;
	while (at + 4 <= jpeg.length && jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) {
		const end = at + 2 + (((jpeg[at + 2] as number) << 8) | (jpeg[at + 3] as number));
		if (jpeg[at + 1] !== 0xfe) out.push(...jpeg.subarray(at, end));
		at = end;
	}
	return new Uint8Array([...out, ...jpeg.subarray(at)]);
}
