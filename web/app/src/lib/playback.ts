// Autoplay is muted (browsers allow nothing else); one tap unmutes every reel.
import { signal } from "@preact/signals";

export const muted = signal(true);

/** Asks the reel on screen to toggle its like (the feed's `l` key): each ask is a new number. */
export const likeAsked = signal(0);

/**
 * Captions: null follows the sound (shown while muted, as most reels are watched); the CC button
 * makes it the viewer's own choice for every reel.
 */
export const captionsChoice = signal<boolean | null>(null);

/** The caption track to show of `tracks`: the viewer's language if there is one, else the first. */
export function preferredTrack<T extends { lang: string }>(tracks: T[], languages: readonly string[] = navigator.languages): T | undefined {
	for (const wanted of languages) {
		const base = wanted.toLowerCase().split("-")[0];
		const exact = tracks.find((t) => t.lang.toLowerCase() === wanted.toLowerCase());
		const sameBase = tracks.find((t) => t.lang.toLowerCase().split("-")[0] === base);
		if (exact ?? sameBase) return exact ?? sameBase;
	}
	return tracks[0];
}
