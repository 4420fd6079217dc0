// A CPU profile of the Worker's isolate (Durable Objects included) in `wrangler dev`, through its
// DevTools inspector: the Chrome DevTools Protocol's Profiler domain over a WebSocket. Used by
// benchmarks (BENCH_PROFILE=1) to say where the runtime's time went, by function, self time.
import WebSocket from "ws";

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	hitCount?: number;
}

export interface CpuProfile {
	/** The functions with the most self time, as a share of the busy samples. */
	top: { fn: string; share: number }[];
	/** Milliseconds the isolate was running JavaScript or the runtime's work for it (every sample but idle ones). */
	busyMs: number;
}

/**
 * Starts profiling, a sample every `intervalUs`; the returned function stops it and resolves with the
 * top `n` functions by self time and the busy time. A long profile of a busy isolate wants a coarser
 * interval: the profile comes back as one message through wrangler's inspector proxy.
 */
export async function startCpuProfile(inspectorPort: number, { intervalUs = 100 } = {}): Promise<(n?: number) => Promise<CpuProfile>> {
	const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as {
		webSocketDebuggerUrl: string;
		title: string;
	}[];
	const target = targets.find((t) => t.webSocketDebuggerUrl);
	if (!target) throw new Error(`no inspectable target on port ${inspectorPort}`);
	const ws = new WebSocket(target.webSocketDebuggerUrl);
	await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
	let next = 1;
	const call = (method: string, params: object = {}) =>
		new Promise<Record<string, unknown>>((resolve) => {
			const id = next++;
			const onMessage = (raw: WebSocket.RawData) => {
				const msg = JSON.parse(String(raw)) as { id?: number; result?: Record<string, unknown> };
				if (msg.id !== id) return;
				ws.off("message", onMessage);
				resolve(msg.result ?? {});
			};
			ws.on("message", onMessage);
			ws.send(JSON.stringify({ id, method, params }));
		});
	await call("Profiler.enable");
	await call("Profiler.setSamplingInterval", { interval: intervalUs });
	await call("Profiler.start");
	return async (n = 15) => {
		const { profile } = (await call("Profiler.stop")) as {
			profile: { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[] };
		};
		ws.close();
		const byId = new Map(profile.nodes.map((node) => [node.id, node]));
		const idle = (id: number) => byId.get(id)?.callFrame.functionName === "(idle)";
		// A sample's time is the delta to the next one; idle samples are the isolate waiting for I/O.
		const samples = profile.samples ?? [];
		const deltas = profile.timeDeltas ?? [];
		let busyUs = 0;
		for (let i = 0; i < samples.length; i++) if (!idle(samples[i] as number)) busyUs += deltas[i + 1] ?? 0;
		const bySelf = new Map<string, number>();
		let total = 0;
		for (const node of profile.nodes) {
			if (node.callFrame.functionName === "(idle)") continue;
			const hits = node.hitCount ?? 0;
			total += hits;
			const { functionName, url, lineNumber } = node.callFrame;
			const name = `${functionName || "(anonymous)"} ${url ? `${url.split("/").pop()}:${lineNumber + 1}` : ""}`.trim();
			bySelf.set(name, (bySelf.get(name) ?? 0) + hits);
		}
		const top = [...bySelf]
			.sort((a, b) => b[1] - a[1])
			.slice(0, n)
			.map(([fn, hits]) => ({ fn, share: Math.round((hits / Math.max(total, 1)) * 1000) / 10 }));
		return { top, busyMs: busyUs / 1000 };
	};
}

/** Prints a profile's busy time and its top functions, one a line, under `what` (what was profiled). */
export function printCpuProfile(what: string, { top, busyMs }: CpuProfile): void {
	console.log(`runtime CPU over ${what}: ${busyMs.toFixed(0)} ms busy; self time by function (% of busy samples):`);
	for (const { fn, share } of top) console.log(`  ${String(share).padStart(5)} %  ${fn}`);
}
