// Every request the load makes, by route: latency samples and statuses.
import { percentile } from "../support/latency.ts";

export class RouteStats {
	private readonly samples = new Map<string, number[]>();
	private readonly statuses = new Map<string, number>();
	requests = 0;
	/** Error answers that said when to come back (Retry-After), by status. */
	readonly retryAfter = new Map<number, number>();
	/** Latencies and statuses since the last `drainWindow()` (the soak run reports a minute at a time). */
	private window: { ms: number[]; statuses: Map<number, number> } = { ms: [], statuses: new Map() };

	record(route: string, status: number, ms: number, retryAfter?: string | null) {
		this.requests++;
		if (status >= 400 && retryAfter) this.retryAfter.set(status, (this.retryAfter.get(status) ?? 0) + 1);
		const xs = this.samples.get(route) ?? [];
		if (!this.samples.has(route)) this.samples.set(route, xs);
		xs.push(ms);
		const key = String(status);
		this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
		this.window.ms.push(ms);
		this.window.statuses.set(status, (this.window.statuses.get(status) ?? 0) + 1);
	}

	/** The requests since the last call: sorted latencies and statuses. */
	drainWindow(): { ms: number[]; statuses: Map<number, number> } {
		const w = this.window;
		this.window = { ms: [], statuses: new Map() };
		w.ms.sort((a, b) => a - b);
		return w;
	}

	/** Status 0 stands for a request that got no answer (a network error or a timeout). */
	count(predicate: (status: number) => boolean): number {
		let n = 0;
		for (const [s, c] of this.statuses) if (predicate(Number(s))) n += c;
		return n;
	}

	statusCounts(): Record<string, number> {
		return Object.fromEntries([...this.statuses].sort());
	}

	all(): number[] {
		return [...this.samples.values()].flat().sort((a, b) => a - b);
	}

	table(): { route: string; n: number; p50: number; p95: number; p99: number }[] {
		return [...this.samples]
			.map(([route, xs]) => {
				const s = [...xs].sort((a, b) => a - b);
				return { route, n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99) };
			})
			.sort((a, b) => b.n - a.n);
	}

	print(title: string) {
		console.log(title);
		console.log(`${"route".padEnd(34)} ${"n".padStart(7)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"p99 ms".padStart(8)}`);
		for (const r of this.table()) {
			console.log(
				`${r.route.padEnd(34)} ${String(r.n).padStart(7)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)}`,
			);
		}
		console.log(`statuses: ${JSON.stringify(this.statusCounts())}`);
	}
}
