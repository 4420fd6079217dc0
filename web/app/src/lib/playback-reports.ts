// What the player tells the API about each view (POST /api/playback), as Mux Data's SDK does: when
// it started and how long that took, how far and how long it was watched (loops included), each
// stall, an error, and its end. Events wait in one queue and go in one report every ten seconds,
// within a second of a view starting or ending (so a swipe's end and start share a report, and a
// fast swiper sends one a second, well inside the API's burst limit), and when the page is hidden
// (fetch with keepalive: sendBeacon cannot carry the Authorization header a signed-in viewer's
// report needs). The app's players report through use-view-reports.ts, which signs the reports in;
// the embed player (embed/player.ts) reports anonymously, with this module alone.
import type { Schemas } from "./types";

type PlaybackEvent = Schemas["PlaybackEvent"];

const FLUSH_EVERY_MS = 10_000;
/** A start or an end waits at most this long, for whatever else happens meanwhile. */
const FLUSH_SOON_MS = 1_000;
/** The API's own limits on one report. */
const MAX_EVENTS = 50;
const MAX_VIEWS = 10;
const DEVICE_KEY = "reels.device";

let device: string | undefined;
/** This browser's own id for an anonymous viewer's reports and For You: random, kept, nothing else. */
export function deviceId(): string {
	if (device) return device;
	try {
		device = localStorage.getItem(DEVICE_KEY) ?? undefined;
		if (!device) {
			device = crypto.randomUUID();
			localStorage.setItem(DEVICE_KEY, device);
		}
	} catch {
		device = crypto.randomUUID(); // storage refused (private mode): an id for this page's life
	}
	return device;
}

let queue: PlaybackEvent[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;
let due = Number.POSITIVE_INFINITY;

/** Sends the queue within `ms`: sooner than already planned, never later. */
function flushWithin(ms: number) {
	if (performance.now() + ms >= due) return;
	clearTimeout(timer);
	due = performance.now() + ms;
	timer = setTimeout(() => flush(), ms);
}

/** Queues an event; a view's newer progress replaces its older one (figures are totals). */
function push(e: PlaybackEvent, soon = false) {
	if (e.type === "progress") queue = queue.filter((q) => !(q.viewId === e.viewId && q.type === "progress"));
	queue.push(e);
	if (queue.length >= MAX_EVENTS) flush();
	else flushWithin(soon ? FLUSH_SOON_MS : FLUSH_EVERY_MS);
}

/** Sends what is queued, at most one report's worth at a time; reports that fail are dropped (they are statistics). */
export function flush(keepalive = false) {
	clearTimeout(timer);
	timer = undefined;
	due = Number.POSITIVE_INFINITY;
	while (queue.length > 0) {
		const views = new Set<string>();
		const events: PlaybackEvent[] = [];
		for (const e of queue) {
			if (events.length === MAX_EVENTS || (!views.has(e.viewId) && views.size === MAX_VIEWS)) break;
			views.add(e.viewId);
			events.push(e);
		}
		queue = queue.slice(events.length);
		void send({ deviceId: deviceId(), events }, keepalive).catch(() => undefined);
	}
}

/** The viewer's access token for a report (none: anonymous, by device id). `keepalive`: the page is going, no time to refresh one. */
let credentials: (keepalive: boolean) => Promise<string | undefined> | string | undefined = () => undefined;

/** Signs the reports in: the app sets this (use-view-reports.ts); the embed player leaves them anonymous. */
export function reportWith(token: typeof credentials): void {
	credentials = token;
}

/**
 * A plain fetch with a string body, not the typed client: that one clones its request (to retry
 * after a refresh), which turns the body into a stream, and a keepalive request may not carry one.
 * When the page is going away there is no time to refresh a token: the one at hand goes.
 */
async function send(batch: Schemas["PlaybackBatch"], keepalive: boolean) {
	const token = await credentials(keepalive);
	await fetch("/api/playback", {
		method: "POST",
		keepalive,
		headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: JSON.stringify(batch),
	});
}

if (typeof document !== "undefined") {
	document.addEventListener("visibilitychange", () => {
		if (document.visibilityState === "hidden") flush(true);
	});
	addEventListener("pagehide", () => flush(true));
}

/** One playback of one reel, from becoming active to leaving the screen. */
class ViewReport {
	readonly viewId = crypto.randomUUID();
	private readonly activeAt = performance.now();
	private started = false;
	private watched = 0;
	private furthest = 0;
	private loops = 0;
	private last: number | null = null;
	private stalledAt: number | null = null;
	private rebufferCount = 0;
	private rebufferSeconds = 0;
	private lastProgress = 0;
	private failedBeforeStart: string | null = null;

	constructor(
		private readonly reelId: string,
		private readonly video: HTMLVideoElement,
	) {}

	private event(type: PlaybackEvent["type"], extra: Partial<PlaybackEvent> = {}): PlaybackEvent {
		return {
			viewId: this.viewId,
			reelId: this.reelId,
			type,
			at: Date.now(),
			position: round(this.furthest),
			watchedSeconds: round(this.watched),
			loops: this.loops,
			rebufferCount: this.rebufferCount,
			rebufferSeconds: round(this.rebufferSeconds),
			...extra,
		};
	}

	readonly onPlaying = () => {
		if (this.stalledAt !== null) {
			this.rebufferCount++;
			this.rebufferSeconds += (performance.now() - this.stalledAt) / 1000;
			this.stalledAt = null;
			push(this.event("rebuffer"));
		}
		if (this.started) return;
		this.started = true;
		// The start counts the view: it goes within a second rather than with the next report.
		push(this.event("start", { startupMs: Math.min(120_000, Math.round(performance.now() - this.activeAt)) }), true);
	};

	/** Only played time counts: a jump (a seek, a loop back to the start) adds nothing. */
	readonly onTimeUpdate = () => {
		const now = this.video.currentTime;
		const duration = this.video.duration;
		if (this.last !== null) {
			const step = now - this.last;
			if (step > 0 && step < 1.5) this.watched += step;
			else if (step < 0 && Number.isFinite(duration) && this.last > duration - 1.5) {
				this.loops++;
				this.furthest = duration;
			}
		}
		this.last = now;
		if (this.watched > 0) this.furthest = Math.max(this.furthest, Math.min(now, this.watched + 1));
		if (this.started && performance.now() - this.lastProgress > FLUSH_EVERY_MS) {
			this.lastProgress = performance.now();
			push(this.event("progress"));
		}
	};

	readonly onWaiting = () => {
		if (this.started && this.stalledAt === null) this.stalledAt = performance.now();
	};

	/**
	 * After the start, an error is reported at once. Before it, only one still there when the view
	 * ends: an error the player recovered from before the first frame is no failure.
	 */
	readonly onError = () => {
		const error = `media_${this.video.error?.code ?? "unknown"}`;
		if (this.started) push(this.event("error", { error }));
		else this.failedBeforeStart = error;
	};

	/** The reel left the screen: the view ends (one that never started, and did not fail, is not a view). */
	end() {
		if (!this.started && !(this.failedBeforeStart && this.video.error)) return;
		if (!this.started && this.failedBeforeStart) push(this.event("error", { error: this.failedBeforeStart }));
		push(this.event("end"), true);
	}
}

const round = (s: number) => Math.round(s * 1000) / 1000;

/** Reports what `video` plays of `reelId` as one view, until the returned function ends it. */
export function watchView(video: HTMLVideoElement, reelId: string): () => void {
	const view = new ViewReport(reelId, video);
	video.addEventListener("playing", view.onPlaying);
	video.addEventListener("timeupdate", view.onTimeUpdate);
	video.addEventListener("waiting", view.onWaiting);
	video.addEventListener("error", view.onError);
	return () => {
		video.removeEventListener("playing", view.onPlaying);
		video.removeEventListener("timeupdate", view.onTimeUpdate);
		video.removeEventListener("waiting", view.onWaiting);
		video.removeEventListener("error", view.onError);
		view.end();
	};
}
