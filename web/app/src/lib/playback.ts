// What the player and the keys share across reels. Autoplay is muted (browsers allow nothing
// else); one tap unmutes every reel.
import { store } from "./store";

export const muted = store(true);

/** The `l` key's ask: like (or unlike) the reel `reelId`; `seq` grows with each press, so each press is one ask. */
export const likeRequest = store<{ reelId: string; seq: number } | null>(null);
let likeSeq = 0;
export const requestLike = (reelId: string) => likeRequest.set({ reelId, seq: ++likeSeq });
