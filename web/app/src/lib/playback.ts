// Autoplay is muted (browsers allow nothing else); one tap unmutes every reel.
import { store } from "./store";

export const muted = store(true);
