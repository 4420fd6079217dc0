// How many frames a socket sent lately, for the per-socket message limits of every socket we
// accept: a user's notification socket, a live viewer's, a live publisher's. A fixed window per
// socket, kept in memory: an object that hibernates forgets it, which only starts a window afresh
// (a socket that floods keeps its object awake, so it is counted).

export class FrameWindows {
	private readonly seen = new WeakMap<WebSocket, { since: number; count: number }>();

	constructor(
		private readonly limit: number,
		private readonly windowMs: number,
	) {}

	/** Counts one frame from `ws`: true when the socket is past its limit for this window. */
	over(ws: WebSocket, now = Date.now()): boolean {
		const last = this.seen.get(ws);
		const window = last && now - last.since < this.windowMs ? last : { since: now, count: 0 };
		window.count++;
		this.seen.set(ws, window);
		return window.count > this.limit;
	}
}
