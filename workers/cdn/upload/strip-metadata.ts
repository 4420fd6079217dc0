// Personal metadata out of uploaded images before they are stored, while they
// stream: a phone's JPEG carries the place it was taken (Exif GPS), the camera's
// serial number and the owner's name, and the original is served publicly.
//
//   JPEG  Exif (APP1) is replaced by a minimal one holding only the orientation,
//         so portrait photos stay upright; XMP (APP1), IPTC (APP13), APP12 and
//         comments are dropped; so is anything after the end of the image
//         (trailers and appended gain-map images, which carry their own Exif).
//   PNG   tEXt, zTXt, iTXt, eXIf and tIME chunks are dropped.
//   WebP  EXIF and XMP chunks keep their length (the RIFF size is written first)
//         but are renamed to a chunk readers ignore and zeroed; VP8X's flags are cleared.
//   AVIF  Exif and XMP live in items that would need the file rewritten: an AVIF
//         carrying them is refused with a clear 422 (avifMetadataProblem).
//   GIF   has no standard place for location; passed through (docs/security.md).
//
// Memory stays bounded: at most one JPEG segment (64 KiB) or one WebP VP8X
// payload is held; image data passes through in the chunks it arrived in.
import { concatBytes } from "../../lib/encoding/bytes";
import { HttpProblem } from "../../lib/problems/http-problem";

export interface MetadataStripper {
	/** Takes the next bytes of the file; returns what may be written now. */
	push(chunk: Uint8Array): Uint8Array[];
	/** The end of the file: returns the last bytes to write. */
	finish(): Uint8Array[];
}

const passThrough: MetadataStripper = { push: (c) => [c], finish: () => [] };

/** The stripper for an image of `mimetype` (anything else passes through untouched). */
export function metadataStripperFor(mimetype: string): MetadataStripper {
	if (mimetype === "image/jpeg") return new JpegStripper();
	if (mimetype === "image/png") return new PngStripper();
	if (mimetype === "image/webp") return new WebpStripper();
	if (mimetype === "image/avif") return new AvifMetadataCheck();
	return passThrough;
}

/** Base: bytes not yet decided on, and helpers to take or skip some of them. */
abstract class ByteParser implements MetadataStripper {
	protected pending: Uint8Array = new Uint8Array(0);
	protected out: Uint8Array[] = [];

	push(chunk: Uint8Array): Uint8Array[] {
		this.pending = this.pending.length ? concatBytes(this.pending, chunk) : chunk;
		this.parse();
		return this.drain();
	}

	finish(): Uint8Array[] {
		this.parse();
		this.atEnd();
		return this.drain();
	}

	protected abstract parse(): void;
	/** What is still pending at the end is a truncated header or segment: dropped (it could be half an Exif block). */
	protected atEnd(): void {
		this.pending = new Uint8Array(0);
	}

	protected drain(): Uint8Array[] {
		const out = this.out;
		this.out = [];
		return out;
	}

	/** Moves up to `n` pending bytes to the output (or drops them); returns how many. */
	protected take(n: number, keep: boolean): number {
		const k = Math.min(n, this.pending.length);
		if (keep && k > 0) this.out.push(this.pending.subarray(0, k));
		this.pending = this.pending.subarray(k);
		return k;
	}

	private signaturePassed = false;

	/** Passes the file's first `n` bytes (its signature) once; false while fewer have arrived. */
	protected passSignature(n: number): boolean {
		if (this.signaturePassed) return true;
		if (this.pending.length < n) return false;
		this.take(n, true);
		this.signaturePassed = true;
		return true;
	}

	/** Bytes of the current segment (chunk) still to go, and what happens to them. */
	protected segmentLeft = 0;
	private segmentMode: "keep" | "drop" | "zero" = "keep";

	/** The next `n` bytes are one segment: passed on, dropped, or replaced by as many zeros. */
	protected startSegment(n: number, mode: "keep" | "drop" | "zero"): void {
		this.segmentLeft = n;
		this.segmentMode = mode;
	}

	/** Moves the current segment on as far as the pending bytes go; true once it is over. */
	protected continueSegment(): boolean {
		const k = Math.min(this.segmentLeft, this.pending.length);
		if (this.segmentMode === "zero" && k > 0) this.out.push(new Uint8Array(k));
		this.take(k, this.segmentMode === "keep");
		this.segmentLeft -= k;
		return this.segmentLeft === 0;
	}
}

const JPEG_DROPPED = new Set([0xe1, 0xec, 0xed, 0xfe]); // APP1 (non-Exif: XMP), APP12, APP13 (IPTC), COM
const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"

class JpegStripper extends ByteParser {
	private state: "marker" | "scan" | "trailer" | "rest" = "marker";

	protected parse(): void {
		for (;;) {
			if (this.state === "trailer" || this.state === "rest") {
				this.take(this.pending.length, this.state === "rest");
				return;
			}
			if (!this.passSignature(2)) return; // SOI
			if (this.segmentLeft > 0) {
				if (!this.continueSegment()) return;
				continue;
			}
			if (this.state === "scan") {
				if (!this.scanUntilMarker()) return;
				continue;
			}
			// A marker: FF xx, then (for most) a two-byte length including itself.
			const p = this.pending;
			if (p.length < 2) return;
			if (p[0] !== 0xff) {
				this.state = "rest"; // not a marker where one must be: leave the rest as it is (decoding will judge it)
				continue;
			}
			const marker = p[1] as number;
			if (marker === 0xff) {
				this.take(1, true); // fill byte
				continue;
			}
			if (marker === 0xd9) {
				this.take(2, true);
				this.state = "trailer";
				continue;
			}
			if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
				this.take(2, true);
				continue;
			}
			if (p.length < 4) return;
			const length = ((p[2] as number) << 8) | (p[3] as number);
			if (marker === 0xe1 && this.isExif()) {
				if (p.length < 2 + length) return; // a whole Exif segment (at most 64 KiB) is needed
				this.out.push(minimalExifSegment(orientationOf(p.subarray(4 + EXIF_HEADER.length, 2 + length))));
				this.take(2 + length, false);
				continue;
			}
			if (marker === 0xe1 && p.length < 4 + EXIF_HEADER.length) return;
			if (marker === 0xda) {
				// Start of scan: its short header whole, then the entropy-coded data.
				if (p.length < 2 + length) return;
				this.take(2 + length, true);
				this.state = "scan";
				continue;
			}
			this.startSegment(2 + length, JPEG_DROPPED.has(marker) ? "drop" : "keep");
		}
	}

	private isExif(): boolean {
		const p = this.pending;
		return p.length >= 4 + EXIF_HEADER.length && EXIF_HEADER.every((b, i) => p[4 + i] === b);
	}

	/** Passes entropy-coded data up to the next real marker; false when more bytes are needed. */
	private scanUntilMarker(): boolean {
		const p = this.pending;
		for (let i = 0; i < p.length - 1; i++) {
			if (p[i] !== 0xff) continue;
			const next = p[i + 1] as number;
			if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) continue;
			this.take(i, true);
			this.state = "marker";
			return true;
		}
		// Keep a trailing FF: its marker byte is in the next chunk.
		this.take(p.length && p[p.length - 1] === 0xff ? p.length - 1 : p.length, true);
		return false;
	}
}

/** The Exif orientation (1..8) from a TIFF block, or 1 when absent or unreadable. */
export function orientationOf(tiff: Uint8Array): number {
	if (tiff.length < 8) return 1;
	const little = tiff[0] === 0x49;
	const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
	const u16 = (at: number) => (at + 2 <= tiff.length ? view.getUint16(at, little) : 0);
	const u32 = (at: number) => (at + 4 <= tiff.length ? view.getUint32(at, little) : 0);
	const ifd = u32(4);
	const count = u16(ifd);
	for (let i = 0; i < count; i++) {
		const entry = ifd + 2 + i * 12;
		if (entry + 12 > tiff.length) break;
		if (u16(entry) === 0x0112) {
			const value = u16(entry + 8);
			return value >= 1 && value <= 8 ? value : 1;
		}
	}
	return 1;
}

/** An APP1 segment whose Exif holds one tag: the orientation (big-endian TIFF, IFD0 with one entry). */
export function minimalExifSegment(orientation: number): Uint8Array {
	const tiff = [0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
	const payload = [...EXIF_HEADER, ...tiff];
	const length = payload.length + 2;
	return new Uint8Array([0xff, 0xe1, length >> 8, length & 0xff, ...payload]);
}

const PNG_DROPPED = new Set(["tEXt", "zTXt", "iTXt", "eXIf", "tIME"]);

class PngStripper extends ByteParser {
	private ended = false;

	protected parse(): void {
		for (;;) {
			if (!this.passSignature(8)) return;
			if (this.segmentLeft > 0) {
				if (!this.continueSegment()) return;
				continue;
			}
			if (this.ended) {
				this.take(this.pending.length, false); // nothing belongs after IEND
				return;
			}
			const p = this.pending;
			if (p.length < 8) return;
			const length = new DataView(p.buffer, p.byteOffset, 8).getUint32(0);
			const type = String.fromCharCode(p[4] as number, p[5] as number, p[6] as number, p[7] as number);
			this.startSegment(12 + length, PNG_DROPPED.has(type) ? "drop" : "keep"); // length, type, data, CRC
			this.ended = type === "IEND";
		}
	}
}

const WEBP_NEUTRAL = [0x4a, 0x55, 0x4e, 0x4b]; // "JUNK": not a WebP chunk, so readers skip it

class WebpStripper extends ByteParser {
	protected parse(): void {
		for (;;) {
			if (!this.passSignature(12)) return; // RIFF, size, WEBP
			if (this.segmentLeft > 0) {
				if (!this.continueSegment()) return;
				continue;
			}
			const p = this.pending;
			if (p.length < 8) return;
			const fourcc = String.fromCharCode(p[0] as number, p[1] as number, p[2] as number, p[3] as number);
			const size = new DataView(p.buffer, p.byteOffset, 8).getUint32(4, true);
			const padded = size + (size % 2);
			if (fourcc === "VP8X") {
				if (p.length < 8 + padded) return; // 10 bytes of payload
				const copy = p.slice(0, 8 + padded);
				copy[8] = (copy[8] as number) & ~0x0c; // EXIF (0x08) and XMP (0x04) flags
				this.out.push(copy);
				this.take(8 + padded, false);
				continue;
			}
			if (fourcc === "EXIF" || fourcc === "XMP ") {
				this.out.push(new Uint8Array([...WEBP_NEUTRAL, ...p.subarray(4, 8)]));
				this.take(8, false);
				this.startSegment(padded, "zero");
			} else {
				this.take(8, true);
				this.startSegment(padded, "keep");
			}
		}
	}
}

/** How far into an AVIF its item list may be looked for (the meta box comes first and is small). */
const AVIF_HEAD_BYTES = 64 * 1024;

export const avifMetadataProblem = () =>
	new HttpProblem(
		422,
		"image_metadata",
		"This AVIF carries Exif or XMP metadata, which can hold where it was taken. Export it without metadata, or upload a JPEG.",
	);

/** Passes AVIF through once its `meta` box is known to list no Exif or XMP (mime) item. */
class AvifMetadataCheck extends ByteParser {
	private decided = false;

	protected parse(): void {
		if (this.decided) {
			this.take(this.pending.length, true);
			return;
		}
		const verdict = avifItemTypes(this.pending);
		if (verdict === "need_more" && this.pending.length < AVIF_HEAD_BYTES) return;
		if (verdict !== "need_more" && (verdict.has("Exif") || verdict.has("mime"))) throw avifMetadataProblem();
		this.decided = true;
		this.take(this.pending.length, true);
	}

	protected override atEnd(): void {
		const verdict = avifItemTypes(this.pending);
		if (verdict !== "need_more" && (verdict.has("Exif") || verdict.has("mime"))) throw avifMetadataProblem();
		this.take(this.pending.length, true);
	}
}

/** The item types an ISOBMFF file's `meta`/`iinf` declares, or "need_more" before the meta box is complete. */
export function avifItemTypes(b: Uint8Array): Set<string> | "need_more" {
	const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
	const fourcc = (at: number) => String.fromCharCode(b[at] as number, b[at + 1] as number, b[at + 2] as number, b[at + 3] as number);
	let at = 0;
	while (at + 8 <= b.length) {
		const size = view.getUint32(at);
		const type = fourcc(at + 4);
		if (size < 8) return new Set();
		if (type === "meta") {
			if (at + size > b.length) return "need_more";
			return itemTypesIn(b, view, at + 12, at + size, fourcc);
		}
		if (type === "mdat") return new Set(); // media data before any meta box: nothing declared
		at += size;
	}
	return "need_more";
}

function itemTypesIn(b: Uint8Array, view: DataView, start: number, end: number, fourcc: (at: number) => string): Set<string> {
	const types = new Set<string>();
	let at = start;
	while (at + 8 <= end) {
		const size = view.getUint32(at);
		if (size < 8 || at + size > end) break;
		if (fourcc(at + 4) === "iinf") {
			const version = b[at + 8];
			let entry = at + 12 + (version === 0 ? 2 : 4);
			while (entry + 8 <= at + size) {
				const entrySize = view.getUint32(entry);
				if (entrySize < 8) break;
				const infeVersion = b[entry + 8] as number;
				if (fourcc(entry + 4) === "infe" && infeVersion >= 2) {
					const idBytes = infeVersion === 2 ? 2 : 4;
					const typeAt = entry + 12 + idBytes + 2;
					if (typeAt + 4 <= b.length) types.add(fourcc(typeAt));
				}
				entry += entrySize;
			}
		}
		at += size;
	}
	return types;
}
