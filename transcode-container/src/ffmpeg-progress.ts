/**
 * Reads FFmpeg's `-progress` output (blocks of key=value lines, each ending
 * with `progress=continue|end`) and reports how far through the source it is.
 * Fed arbitrary chunks; keeps the partial line between calls.
 */
export function progressReader(durationS: number, onProgress: (fraction: number) => void): (chunk: string) => void {
	let pending = "";
	let outTimeUs = 0;
	return (chunk) => {
		pending += chunk;
		const lines = pending.split("\n");
		pending = lines.pop() ?? "";
		for (const line of lines) {
			const [key, value] = line.trim().split("=", 2);
			if (key === "out_time_us" || key === "out_time_ms") {
				// Both keys carry microseconds (a long-standing FFmpeg quirk); "N/A" before the first frame.
				const n = Number(value);
				if (Number.isFinite(n) && n > outTimeUs) outTimeUs = n;
			} else if (key === "progress") {
				const fraction = value === "end" ? 1 : Math.min(0.99, Math.max(0, outTimeUs / 1e6 / durationS));
				onProgress(fraction);
			}
		}
	};
}
