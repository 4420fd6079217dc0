// The abuse limits every client socket shares: the notification shards' and a live stream's viewers'.

/** One user's sockets on one object; past it, the oldest is closed for the newest (tabs left open, reconnect loops). */
export const MAX_SOCKETS_PER_USER = 8;
/** Clients only ping (or chat); anything bigger than this is not a client of ours. */
export const MAX_INBOUND_FRAME_BYTES = 1024;
/** Frames a socket may send per window (PINGs are answered by the runtime and not counted). */
export const MAX_INBOUND_FRAMES = 20;
export const INBOUND_WINDOW_MS = 10_000;
