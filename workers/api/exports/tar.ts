// POSIX ustar, as much of it as an export needs: regular files with names up to 100 bytes (ours
// are short and ASCII), each a 512-byte header, its bytes, and zeros to the next 512; two zero
// blocks end the archive. Every system opens it (tar, macOS Archive Utility, Windows 10+ tar).

const BLOCK = 512;
const encoder = new TextEncoder();

function field(header: Uint8Array, offset: number, length: number, value: string) {
	header.set(encoder.encode(value).subarray(0, length), offset);
}

/** Octal, zero-padded to `length - 1` digits and a NUL, as ustar numbers are. */
const octal = (n: number, length: number) => `${n.toString(8).padStart(length - 1, "0")}\0`;

export function tarHeader(name: string, size: number, mtime: Date): Uint8Array {
	if (!/^[\x21-\x7e][\x20-\x7e]{0,99}$/.test(name)) throw new Error(`tar names here are short ASCII: ${name}`);
	const h = new Uint8Array(BLOCK);
	field(h, 0, 100, name);
	field(h, 100, 8, octal(0o644, 8));
	field(h, 108, 8, octal(0, 8));
	field(h, 116, 8, octal(0, 8));
	field(h, 124, 12, octal(size, 12));
	field(h, 136, 12, octal(Math.floor(mtime.getTime() / 1000), 12));
	field(h, 148, 8, "        "); // the checksum counts itself as spaces
	field(h, 156, 1, "0");
	field(h, 257, 6, "ustar\0");
	field(h, 263, 2, "00");
	const sum = h.reduce((a, b) => a + b, 0);
	field(h, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
	return h;
}

/** Zeros after `size` bytes of content, to the next block. */
export const tarPadding = (size: number) => new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);

export const TAR_END = new Uint8Array(BLOCK * 2);

/** An archive written file by file to `sink` (each file whole in memory, the archive never). */
export function tarWriter(sink: { write(chunk: Uint8Array): Promise<void> }, mtime = new Date()) {
	return {
		async file(name: string, content: Uint8Array | string) {
			const bytes = typeof content === "string" ? encoder.encode(content) : content;
			await sink.write(tarHeader(name, bytes.length, mtime));
			await sink.write(bytes);
			await sink.write(tarPadding(bytes.length));
		},
		json(name: string, value: unknown) {
			return this.file(name, `${JSON.stringify(value, null, 2)}\n`);
		},
		end: () => sink.write(TAR_END),
	};
}

/** Reads an archive this module wrote (tests, and anyone checking an export): name → bytes. */
export function readTar(archive: Uint8Array): Map<string, Uint8Array> {
	const files = new Map<string, Uint8Array>();
	const decoder = new TextDecoder();
	for (let at = 0; at + BLOCK <= archive.length; ) {
		const header = archive.subarray(at, at + BLOCK);
		if (header.every((b) => b === 0)) break;
		const name = decoder.decode(header.subarray(0, 100)).replace(/\0.*$/s, "");
		const size = Number.parseInt(decoder.decode(header.subarray(124, 136)).replace(/\0.*$/s, ""), 8);
		files.set(name, archive.slice(at + BLOCK, at + BLOCK + size));
		at += BLOCK + size + ((BLOCK - (size % BLOCK)) % BLOCK);
	}
	return files;
}
