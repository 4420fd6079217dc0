import { HttpProblem } from "../../lib/problems/http-problem";

export interface ByteRange {
	offset: number;
	length: number;
}

const SINGLE = /^bytes=(\d{0,15})-(\d{0,15})$/;

const unsatisfiable = (size: number, detail: string) =>
	new HttpProblem(416, "range_not_satisfiable", detail, {}, { "Content-Range": `bytes */${size}` });

/**
 * Parses a `Range` header against an object of `size` bytes. Single ranges
 * only (`a-b`, `a-`, `-n`): a multi-range request is refused with 416 rather
 * than answered with multipart/byteranges, a malformed header with 400.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
	if (header === undefined) return undefined;
	const value = header.trim();
	if (value.includes(",")) throw unsatisfiable(size, "Only one byte range per request is supported.");
	const m = SINGLE.exec(value);
	if (!m || (m[1] === "" && m[2] === "")) throw new HttpProblem(400, "invalid_range", "The Range header must look like bytes=start-end.");
	const [first, last] = [m[1] ?? "", m[2] ?? ""];
	if (first === "") {
		const suffix = Number(last);
		if (suffix === 0) throw unsatisfiable(size, "An empty suffix range selects nothing.");
		const length = Math.min(suffix, size);
		return { offset: size - length, length };
	}
	const start = Number(first);
	const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
	if (last !== "" && Number(last) < start) throw new HttpProblem(400, "invalid_range", "The range ends before it starts.");
	if (start >= size) throw unsatisfiable(size, `The object has ${size} bytes.`);
	return { offset: start, length: end - start + 1 };
}
