// Autoplay is muted (browsers allow nothing else); one tap unmutes every reel.
import { store } from "./store";

export const muted = store(true);

/** Asks the reel on screen to toggle its like (the feed's `l` key): each ask is a new number. */
export const likeAsked = store(0);
