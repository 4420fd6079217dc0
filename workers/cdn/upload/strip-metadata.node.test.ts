import { describe, expect, it } from "vitest";
import { jpegWithPersonalMetadata, leaks, pngWithPersonalMetadata, webpWithPersonalMetadata } from "../../test-support/personal-metadata";
import { avifItemTypes, type MetadataStripper, metadataStripperFor, orientationOf } from "./strip-metadata";

/** A tiny but structurally real baseline JPEG: SOI, APP0 JFIF, DQT, SOS + scan data with stuffing and a restart marker, EOI. */
const JPEG = new Uint8Array([
	0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xdb, 0, 4, 0, 1, 0xff, 0xda, 0, 4, 1, 0, 0x12,
	0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xd9,
]);
const PNG = new Uint8Array([
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 1, 2, 3, 4, 0,
	0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
]);

/** Runs `bytes` through a stripper in chunks of `size` (1 = every possible split point). */
function strip(mimetype: string, bytes: Uint8Array, size: number): Uint8Array {
	const s: MetadataStripper = metadataStripperFor(mimetype);
	const out: number[] = [];
	for (let i = 0; i < bytes.length; i += size) for (const c of s.push(bytes.subarray(i, i + size))) out.push(...c);
	for (const c of s.finish()) out.push(...c);
	return new Uint8Array(out);
}

const indexOf = (hay: Uint8Array, needle: number[]) => hay.findIndex((_, i) => needle.every((b, j) => hay[i + j] === b));

describe("metadata stripping", () => {
	it.each([1, 3, 7, 4096])("JPEG (chunks of %i bytes): Exif is reduced to the orientation; XMP, comments and trailers go", (size) => {
		const dirty = jpegWithPersonalMetadata(JPEG, 6);
		expect(leaks(dirty).length).toBeGreaterThan(0);
		const clean = strip("image/jpeg", dirty, size);
		expect(leaks(clean)).toEqual([]);
		const exifAt = indexOf(clean, [0x45, 0x78, 0x69, 0x66, 0, 0]);
		expect(orientationOf(clean.subarray(exifAt + 6))).toBe(6);
		// The image itself is untouched: the original's segments and scan follow the new Exif block.
		const tail = clean.subarray(clean.length - (JPEG.length - 2));
		expect([...tail]).toEqual([...JPEG.subarray(2)]);
	});

	it("leaves a JPEG without metadata byte for byte as it was", () => {
		expect([...strip("image/jpeg", JPEG, 5)]).toEqual([...JPEG]);
	});

	it.each([1, 5, 4096])("PNG (chunks of %i bytes): text and eXIf chunks go, image chunks stay", (size) => {
		const clean = strip("image/png", pngWithPersonalMetadata(PNG), size);
		expect(leaks(clean)).toEqual([]);
		expect([...clean]).toEqual([...PNG]);
	});

	it.each([1, 6, 4096])("WebP (chunks of %i bytes): EXIF and XMP are zeroed in place and VP8X's flags cleared", (size) => {
		const dirty = webpWithPersonalMetadata();
		const clean = strip("image/webp", dirty, size);
		expect(clean.length).toBe(dirty.length); // the RIFF size stays right
		expect(leaks(clean)).toEqual([]);
		expect(new TextDecoder().decode(clean)).not.toMatch(/EXIF|XMP /);
		expect((clean[20] as number) & 0x0c).toBe(0);
	});

	it("finds Exif and XMP items declared in an AVIF's meta box", () => {
		const box = (type: string, payload: number[]) => {
			const size = payload.length + 8;
			return [size >>> 24, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff, ...Array.from(type, (c) => c.charCodeAt(0)), ...payload];
		};
		const infe = (id: number, type: string) => box("infe", [2, 0, 0, 0, 0, id, 0, 0, ...Array.from(type, (c) => c.charCodeAt(0)), 0]);
		const iinf = box("iinf", [0, 0, 0, 0, 0, 2, ...infe(1, "av01"), ...infe(2, "Exif")]);
		const file = new Uint8Array([...box("ftyp", [0x61, 0x76, 0x69, 0x66, 0, 0, 0, 0]), ...box("meta", [0, 0, 0, 0, ...iinf])]);
		expect(avifItemTypes(file)).toEqual(new Set(["av01", "Exif"]));
		expect(avifItemTypes(file.subarray(0, 30))).toBe("need_more");
		expect(() => strip("image/avif", file, 4096)).toThrow(/Exif or XMP/);
	});
});
