// A streaming multipart/form-data reader: part bodies flow to their sinks as
// they arrive, so a large file never sits in memory whole. Only the bytes that
// could be the start of the next boundary are held back between chunks.
import { concatBytes } from "../../lib/encoding/bytes";
import { HttpProblem } from "../../lib/problems/http-problem";

export interface PartHeaders {
	name: string;
	filename?: string;
	contentType?: string;
}

/** Receives one part's body. `write` may apply back-pressure by awaiting. */
export interface PartSink {
	write(chunk: Uint8Array): Promise<void>;
	close(): Promise<void>;
}

const MAX_HEADER_BYTES = 8 * 1024;
const MAX_PARTS = 10;
const CRLF = new Uint8Array([13, 10]);
const HEADER_END = new Uint8Array([13, 10, 13, 10]);
const DASHES = new Uint8Array([45, 45]);

const malformed = (detail: string) => new HttpProblem(400, "malformed_multipart", detail);

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
	const first = needle[0];
	outer: for (
		let i = haystack.indexOf(first ?? 0, from);
		i !== -1 && i <= haystack.length - needle.length;
		i = haystack.indexOf(first ?? 0, i + 1)
	) {
		for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
		return i;
	}
	return -1;
}

function parseHeaders(block: string): PartHeaders {
	const headers = new Map<string, string>();
	for (const line of block.split("\r\n")) {
		const colon = line.indexOf(":");
		if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
	}
	const disposition = headers.get("content-disposition") ?? "";
	if (!/^form-data\b/i.test(disposition)) throw malformed("Each part needs Content-Disposition: form-data.");
	const param = (key: string) => new RegExp(`;\\s*${key}="([^"]*)"`, "i").exec(disposition)?.[1];
	const name = param("name");
	if (!name) throw malformed("A part has no name.");
	const filename = param("filename");
	const contentType = headers.get("content-type");
	return { name, ...(filename !== undefined ? { filename } : {}), ...(contentType ? { contentType } : {}) };
}

/** The boundary of a multipart/form-data Content-Type, or a 415 when it is not one. */
export function boundaryOf(contentType: string | undefined): string {
	const m = /^multipart\/form-data\s*;.*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType ?? "");
	const boundary = m?.[1] ?? m?.[2];
	if (!boundary) throw new HttpProblem(415, "unsupported_media_type", "Send the file as multipart/form-data.");
	return boundary;
}

/**
 * Reads `body` part by part; `onPart` picks the sink for each (or throws to
 * refuse it). Sinks are written strictly in order and each is closed before
 * the next part begins.
 */
export async function readMultipart(
	body: ReadableStream<Uint8Array>,
	boundary: string,
	onPart: (headers: PartHeaders) => Promise<PartSink>,
): Promise<void> {
	const delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
	const reader = body.getReader();
	// A virtual CRLF lets the first boundary match the same delimiter as the others.
	let buf: Uint8Array = CRLF;
	let state: "preamble" | "headers" | "body" | "done" = "preamble";
	let sink: PartSink | undefined;
	let parts = 0;
	let ended = false;

	const more = async () => {
		const { value, done } = await reader.read();
		if (done) ended = true;
		else buf = concatBytes(buf, value);
	};

	try {
		while (state !== "done") {
			if (state === "preamble" || state === "body") {
				const at = indexOf(buf, delimiter);
				if (at === -1 || buf.length < at + delimiter.length + 2) {
					if (state === "preamble" && at === -1 && buf.length > delimiter.length) {
						// The preamble is discarded: never let it grow.
						buf = buf.slice(buf.length - delimiter.length);
					}
					if (state === "body" && sink) {
						// Everything but a possible partial delimiter at the end belongs to the part.
						const keep = at === -1 ? Math.min(buf.length, delimiter.length + 1) : buf.length - at;
						if (buf.length > keep) {
							await sink.write(buf.subarray(0, buf.length - keep));
							buf = buf.slice(buf.length - keep);
						}
					}
					if (ended) throw malformed("The body ends before its closing boundary.");
					await more();
					continue;
				}
				if (state === "body" && sink) {
					if (at > 0) await sink.write(buf.subarray(0, at));
					await sink.close();
					sink = undefined;
				}
				const after = buf.subarray(at + delimiter.length, at + delimiter.length + 2);
				buf = buf.slice(at + delimiter.length + 2);
				if (after[0] === DASHES[0] && after[1] === DASHES[1]) state = "done";
				else if (after[0] === CRLF[0] && after[1] === CRLF[1]) state = "headers";
				else throw malformed("A boundary is followed by neither CRLF nor --.");
				continue;
			}
			const end = indexOf(buf, HEADER_END);
			if (end === -1) {
				if (buf.length > MAX_HEADER_BYTES) throw malformed("A part's headers are too large.");
				if (ended) throw malformed("The body ends inside a part's headers.");
				await more();
				continue;
			}
			if (++parts > MAX_PARTS) throw malformed(`At most ${MAX_PARTS} parts.`);
			const headers = parseHeaders(new TextDecoder().decode(buf.subarray(0, end)));
			buf = buf.slice(end + HEADER_END.length);
			sink = await onPart(headers);
			state = "body";
		}
	} finally {
		reader.releaseLock();
	}
}

/** A sink that keeps a small text field (title, caption) and refuses anything longer. */
export function textSink(maxBytes: number, onDone: (text: string) => void): PartSink {
	let bytes: Uint8Array = new Uint8Array(0);
	return {
		async write(chunk) {
			bytes = concatBytes(bytes, chunk);
			if (bytes.length > maxBytes) throw new HttpProblem(400, "field_too_long", `Text fields are limited to ${maxBytes} bytes.`);
		},
		async close() {
			onDone(new TextDecoder().decode(bytes));
		},
	};
}
