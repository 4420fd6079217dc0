// tus 1.0 (core + creation + termination), https://tus.io/protocols/resumable-upload
// Pure helpers: header names, metadata parsing, and the chunk rule R2 imposes.
import { HttpProblem } from "../../lib/problems/http-problem";

export const TUS_VERSION = "1.0.0";
export const TUS_EXTENSIONS = "creation,termination";
/**
 * R2 multipart uploads need every part but the last to be the same size, at
 * least 5 MiB. Each PATCH carries exactly one part, so clients must send
 * chunks of exactly this size (tus-js-client: `chunkSize: 5 * 1024 * 1024`),
 * except the last, which carries whatever remains.
 */
export const TUS_CHUNK_BYTES = 5 * 1024 * 1024;

export function requireTusResumable(header: string | undefined) {
	if (header !== TUS_VERSION) {
		throw new HttpProblem(412, "tus_version_unsupported", `Send Tus-Resumable: ${TUS_VERSION}.`, {}, { "Tus-Version": TUS_VERSION });
	}
}

/** `Upload-Metadata: filename d29ybGQ=,filetype dmlkZW8vbXA0` → { filename: "world", … } */
export function parseUploadMetadata(header: string | undefined): Record<string, string> {
	const out: Record<string, string> = {};
	if (!header) return out;
	if (header.length > 4096) throw new HttpProblem(400, "invalid_upload_metadata", "Upload-Metadata is too long.");
	for (const pair of header.split(",")) {
		const [key, value = "", extra] = pair.trim().split(" ");
		if (!key || extra !== undefined || !/^[A-Za-z0-9_.-]{1,64}$/.test(key))
			throw new HttpProblem(400, "invalid_upload_metadata", "Upload-Metadata must be comma-separated `key base64value` pairs.");
		try {
			out[key] = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)));
		} catch {
			throw new HttpProblem(400, "invalid_upload_metadata", `The value of ${key} is not base64 UTF-8.`);
		}
		// Titles and file names end up in Postgres, which cannot store U+0000.
		if (out[key]?.includes("\0")) throw new HttpProblem(400, "invalid_upload_metadata", `The value of ${key} contains U+0000.`);
	}
	return out;
}

/** A non-negative integer header (Upload-Length, Upload-Offset, Content-Length), or a 400 naming it. */
export function integerHeader(name: string, value: string | undefined): number {
	if (value === undefined || !/^\d{1,15}$/.test(value))
		throw new HttpProblem(400, "invalid_header", `${name} must be a non-negative integer.`);
	return Number(value);
}

/** Every chunk is exactly TUS_CHUNK_BYTES, except the one that ends the upload. */
export function checkChunkSize(chunkBytes: number, offset: number, length: number) {
	const remaining = length - offset;
	const ok = chunkBytes === remaining ? remaining <= TUS_CHUNK_BYTES : chunkBytes === TUS_CHUNK_BYTES && chunkBytes < remaining;
	if (!ok) {
		throw new HttpProblem(
			400,
			"invalid_chunk_size",
			`Send chunks of exactly ${TUS_CHUNK_BYTES} bytes (R2 multipart parts must be equal and at least 5 MiB); only the last chunk may be shorter. ${remaining} bytes remain.`,
		);
	}
}
