import type { PlaybackEvent } from "./playback-schemas";

/** What a report says of one view: its events folded, figures in whole milliseconds. */
export interface ViewReport {
	viewId: string;
	reelId: string;
	watchedMs: number;
	positionMs: number;
	startupMs: number | null;
	loops: number;
	rebufferCount: number;
	rebufferMs: number;
	error: string | null;
	ended: boolean;
}

const ms = (seconds: number) => Math.round(seconds * 1000);

/**
 * Folds a report's events into one update per view, in the order the player saw them: figures are
 * totals, so the largest wins; the first startup time and error stand; `end` ends the view. A view
 * keeps the reel its first event named (a later event naming another reel is not its).
 */
export function foldEvents(events: readonly PlaybackEvent[]): ViewReport[] {
	const views = new Map<string, ViewReport>();
	for (const e of [...events].sort((a, b) => a.at - b.at)) {
		let v = views.get(e.viewId);
		if (!v) {
			v = {
				viewId: e.viewId,
				reelId: e.reelId,
				watchedMs: 0,
				positionMs: 0,
				startupMs: null,
				loops: 0,
				rebufferCount: 0,
				rebufferMs: 0,
				error: null,
				ended: false,
			};
			views.set(e.viewId, v);
		}
		if (v.reelId !== e.reelId) continue;
		v.watchedMs = Math.max(v.watchedMs, ms(e.watchedSeconds));
		v.positionMs = Math.max(v.positionMs, ms(e.position));
		v.startupMs ??= e.startupMs ?? null;
		v.loops = Math.max(v.loops, e.loops ?? 0);
		v.rebufferCount = Math.max(v.rebufferCount, e.rebufferCount ?? 0);
		v.rebufferMs = Math.max(v.rebufferMs, ms(e.rebufferSeconds ?? 0));
		v.error ??= e.error ?? null;
		if (e.type === "end") v.ended = true;
	}
	return [...views.values()];
}
