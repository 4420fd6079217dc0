// The first reel's start, fetched while hls.js is still on its way: its master playlist and the
// playlist of the rung the player will start on (start-rung.ts), read into the browser's HTTP cache
// (both are immutable), so hls.js finds them there. On a cold start hls.js (about 115 KB) arrives
// after the feed's first page: without this the two playlists were two round trips after it
// (docs/benchmarks.md, "Swipes"). On a device's cold start at / the shell's inline script
// (index.html) has asked for both already, by the same rule; this covers everyone else. Segments are
// left to hls.js: a browser that does not share one download between two requests for the same URL
// would fetch them twice.
import { startRung } from "./start-rung";

const asked = new Set<string>();

/** The rungs a master playlist lists: each one's picture height and playlist URL (resolved against the master's). */
export function rungsOf(master: string, masterUrl: string): { height: number; url: string }[] {
	const rungs: { height: number; url: string }[] = [];
	const lines = master.split(/\r?\n/);
	lines.forEach((line, i) => {
		if (!line.startsWith("#EXT-X-STREAM-INF:")) return;
		const height = Number(/RESOLUTION=\d+x(\d+)/.exec(line)?.[1] ?? 0);
		const uri = lines.slice(i + 1).find((l) => l.trim() && !l.startsWith("#"));
		if (uri) rungs.push({ height, url: new URL(uri.trim(), masterUrl).href });
	});
	return rungs;
}

/** Fetches the master playlist at `masterUrl` and the start rung's playlist for a player `playerHeight` CSS pixels tall; once per URL, silently. */
export function prefetchStart(masterUrl: string, playerHeight: number): void {
	if (asked.has(masterUrl)) return;
	asked.add(masterUrl);
	void (async () => {
		const master = await fetch(masterUrl);
		if (!master.ok) return;
		const url = new URL(masterUrl, location.href).href;
		const rungs = rungsOf(await master.text(), url);
		const start = rungs[startRung(rungs, playerHeight)];
		if (start) await (await fetch(start.url)).text();
	})().catch(() => undefined);
}
