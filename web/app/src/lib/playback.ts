// Autoplay is muted (browsers allow nothing else); one tap unmutes every reel.
import { signal } from "@preact/signals";

export const muted = signal(true);

/** Asks the reel on screen to toggle its like (the feed's `l` key): each ask is a new number. */
export const likeAsked = signal(0);
