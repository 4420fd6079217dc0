// The content type of an upload decided from its first bytes, never from the
// client's claim. Only these kinds are accepted.

export interface SniffedType {
	kind: "image" | "video";
	mimetype: string;
	ext: string;
}

export const SNIFF_BYTES = 32;

const ascii = (b: Uint8Array, at: number, len: number) => String.fromCharCode(...b.subarray(at, at + len));
const starts = (b: Uint8Array, bytes: number[]) => bytes.every((v, i) => b[i] === v);

const VIDEO_BRANDS = new Set(["isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash", "M4V ", "MSNV", "3gp4", "3gp5"]);

export function sniffMediaType(b: Uint8Array): SniffedType | undefined {
	if (starts(b, [0xff, 0xd8, 0xff])) return { kind: "image", mimetype: "image/jpeg", ext: "jpg" };
	if (starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: "image", mimetype: "image/png", ext: "png" };
	if (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a") return { kind: "image", mimetype: "image/gif", ext: "gif" };
	if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP") return { kind: "image", mimetype: "image/webp", ext: "webp" };
	if (starts(b, [0x1a, 0x45, 0xdf, 0xa3])) return { kind: "video", mimetype: "video/webm", ext: "webm" };
	if (ascii(b, 4, 4) === "ftyp") {
		const brand = ascii(b, 8, 4);
		if (brand === "avif" || brand === "avis") return { kind: "image", mimetype: "image/avif", ext: "avif" };
		if (brand === "qt  ") return { kind: "video", mimetype: "video/quicktime", ext: "mov" };
		if (VIDEO_BRANDS.has(brand)) return { kind: "video", mimetype: "video/mp4", ext: "mp4" };
	}
	return undefined;
}

const EXTENSION_KINDS: Record<string, string[]> = {
	jpg: ["image/jpeg"],
	jpeg: ["image/jpeg"],
	png: ["image/png"],
	gif: ["image/gif"],
	webp: ["image/webp"],
	avif: ["image/avif"],
	mp4: ["video/mp4", "video/quicktime"],
	m4v: ["video/mp4"],
	mov: ["video/quicktime", "video/mp4"],
	webm: ["video/webm"],
};

/** False when the filename's extension names a different kind of file than its bytes are. */
export function extensionAgrees(filename: string | undefined, sniffed: SniffedType): boolean {
	const ext = filename?.includes(".") ? filename.slice(filename.lastIndexOf(".") + 1).toLowerCase() : "";
	if (!ext) return true;
	const allowed = EXTENSION_KINDS[ext];
	return allowed?.includes(sniffed.mimetype) ?? false;
}
