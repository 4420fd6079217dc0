// Timing helpers shared by the benchmarks: interleaved scenarios, percentiles,
// and a table of ratios against the first scenario (the baseline of the run).

export interface Scenario {
	name: string;
	/** One request; resolves once the whole response has been read. Throws on an unexpected status. */
	run: (round: number) => Promise<void>;
}

export const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** Runs every scenario once per round, interleaved so machine noise hits them alike. */
export async function measure(scenarios: Scenario[], rounds: number, warmup = 20): Promise<Map<string, number[]>> {
	for (let i = 0; i < warmup; i++) for (const s of scenarios) await s.run(-1 - i);
	const samples = new Map(scenarios.map((s) => [s.name, [] as number[]]));
	for (let i = 0; i < rounds; i++) {
		for (const s of scenarios) {
			const started = performance.now();
			await s.run(i);
			samples.get(s.name)?.push(performance.now() - started);
		}
	}
	return samples;
}

/** Prints p50/p99 per scenario and its p50 as a ratio of the first scenario's; returns those ratios by name. */
export function report(title: string, samples: Map<string, number[]>): Record<string, number> {
	const rows = [...samples.entries()].map(([name, xs]) => {
		const sorted = [...xs].sort((a, b) => a - b);
		return { name, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
	});
	const base = rows[0]?.p50 ?? Number.NaN;
	console.log(title);
	console.log(`${"scenario".padEnd(24)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)}   p50 / ${rows[0]?.name} p50`);
	for (const r of rows) {
		console.log(`${r.name.padEnd(24)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}   ${(r.p50 / base).toFixed(2)}x`);
	}
	return Object.fromEntries(rows.map((r) => [r.name, Math.round((r.p50 / base) * 100) / 100]));
}

export async function expectStatus(res: Response, status: number, what: string): Promise<Response> {
	if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
	return res;
}

/** Tallies which database served each read (the `x-db-read` header) and reports the shares. */
export function readSources() {
	const counts = new Map<string, number>();
	return {
		record(res: Response): void {
			const via = (res.headers.get("x-db-read") ?? "none").split(";")[0] ?? "none";
			counts.set(via, (counts.get(via) ?? 0) + 1);
		},
		/** e.g. "replica 66.7%, primary 33.3%" */
		shares(): string {
			const total = [...counts.values()].reduce((a, b) => a + b, 0);
			return [...counts.entries()].map(([k, v]) => `${k} ${((100 * v) / total).toFixed(1)}%`).join(", ");
		},
	};
}
