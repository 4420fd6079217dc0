// Reads an image's declared pixel size from its first bytes, without decoding:
// the check that stops a decompression bomb (a tiny file declaring a huge
// canvas) before anything allocates for it. PNG, GIF, JPEG (SOF markers) and
// WebP (VP8, VP8L, VP8X) and AVIF (its `ispe` property). Unknown formats return
// undefined. Knowing every accepted format here means the Images binding's
// info() (a billed transformation) is never needed to learn a size.

export interface DeclaredSize {
	width: number;
	height: number;
}

const ascii = (b: Uint8Array, at: number, len: number) => String.fromCharCode(...b.subarray(at, at + len));

export function declaredSize(b: Uint8Array): DeclaredSize | undefined {
	const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
	if (b.length >= 24 && b[0] === 0x89 && ascii(b, 1, 3) === "PNG" && ascii(b, 12, 4) === "IHDR") {
		return { width: v.getUint32(16), height: v.getUint32(20) };
	}
	if (b.length >= 10 && ascii(b, 0, 3) === "GIF") return { width: v.getUint16(6, true), height: v.getUint16(8, true) };
	if (b.length >= 30 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP") {
		const chunk = ascii(b, 12, 4);
		if (chunk === "VP8X") return { width: 1 + (v.getUint32(24, true) & 0xffffff), height: 1 + (v.getUint32(27, true) & 0xffffff) };
		if (chunk === "VP8 ") return { width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff };
		if (chunk === "VP8L") {
			const bits = v.getUint32(21, true);
			return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
		}
		return undefined;
	}
	if (b.length >= 12 && ascii(b, 4, 4) === "ftyp" && (ascii(b, 8, 4) === "avif" || ascii(b, 8, 4) === "avis")) return avifSize(b, v);
	if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
		let i = 2;
		while (i + 9 < b.length) {
			if (b[i] !== 0xff) return undefined;
			const marker = b[i + 1] ?? 0;
			// SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
			if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
				return { width: v.getUint16(i + 7), height: v.getUint16(i + 5) };
			}
			i += 2 + v.getUint16(i + 2);
		}
	}
	return undefined;
}

/**
 * AVIF (HEIF) declares each image's size in an `ispe` property box (ISO/IEC 23008-12): a full box
 * (version and flags, 4 bytes) then width and height as 32-bit integers. The largest `ispe` in the
 * header is the primary image's (thumbnails and alpha planes are not larger).
 */
function avifSize(b: Uint8Array, v: DataView): DeclaredSize | undefined {
	let best: DeclaredSize | undefined;
	for (let i = 4; i + 16 <= b.length; i++) {
		if (b[i] !== 0x69 || ascii(b, i, 4) !== "ispe") continue;
		const size = { width: v.getUint32(i + 8), height: v.getUint32(i + 12) };
		if (!best || size.width * size.height > best.width * best.height) best = size;
	}
	return best;
}
