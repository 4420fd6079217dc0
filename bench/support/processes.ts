// The processes a benchmark's stack started, read from /proc (Linux): which are the runtime's
// (wrangler's workerd), and what they use.
import { readdirSync, readFileSync } from "node:fs";

/** The processes below `root` (itself included) whose name is `name`, e.g. wrangler's `workerd`. */
export function descendants(root: number, name: string): number[] {
	const parent = new Map<number, number>();
	const names = new Map<number, string>();
	for (const entry of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const close = stat.lastIndexOf(")");
			parent.set(Number(entry), Number(stat.slice(close + 2).split(" ")[1]));
			names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
		} catch {
			// Gone meanwhile.
		}
	}
	const under = (pid: number): boolean => pid === root || (pid > 1 && under(parent.get(pid) ?? 0));
	return [...names].filter(([pid, n]) => n === name && under(pid)).map(([pid]) => pid);
}

/** A process's resident memory in KiB (VmRSS). */
export const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
