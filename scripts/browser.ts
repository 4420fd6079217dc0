// Debian's Chromium driven by playwright-core, for the end-to-end tests that
// need a real browser. Playwright's own browser download cannot work on these
// machines, so the system package is used (`apt-get install -y chromium`,
// which .ci/run does when it is missing).
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { ownAddress } from "../workers/test-support/own-address.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * A headless Chromium. The flags keep it from reaching for the network on
 * its own (updates, sync, background fetches), which on a closed network only
 * adds refused connections and noise.
 */
export async function launchBrowser({ args = [] }: { args?: string[] } = {}): Promise<Browser> {
	if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\``);
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: [
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
			...args,
		],
	});
}

/**
 * A browser context for one person on a connection of their own: every request it makes, the
 * WebSocket handshake too, carries a `cf-connecting-ip` nobody else in the run has (as Cloudflare's
 * edge sets it in production). Without it every page of a run shares the address "local", and a
 * test's own page loads spend one visitor's burst budget (100 requests per 10 s) for everyone.
 */
export function newVisitorContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
	return browser.newContext({ ...options, extraHTTPHeaders: { ...options.extraHTTPHeaders, "cf-connecting-ip": ownAddress() } });
}

/**
 * Plays `src` with hls.js (its light build, from node_modules) in a muted `<video>` appended to the
 * page, which must be same-origin with the media. The page keeps it as `window.player`:
 * `{ video, errors }`, `errors` being the details of hls.js's fatal errors.
 */
export async function playWithHlsJs(page: Page, src: string): Promise<void> {
	await page.addScriptTag({ path: resolve(import.meta.dirname, "../node_modules/hls.js/dist/hls.light.min.js") });
	await page.evaluate((source) => {
		type HlsLike = {
			loadSource(s: string): void;
			attachMedia(v: HTMLVideoElement): void;
			on(e: string, f: (e: string, d: { fatal: boolean; details: string }) => void): void;
		};
		const w = window as unknown as { Hls: new () => HlsLike; player: { video: HTMLVideoElement; errors: string[] } };
		const video = document.createElement("video");
		video.muted = true;
		document.body.append(video);
		const hls = new w.Hls();
		const errors: string[] = [];
		hls.on("hlsError", (_e, d) => {
			if (d.fatal) errors.push(d.details);
		});
		hls.loadSource(source);
		hls.attachMedia(video);
		w.player = { video, errors };
		void video.play();
	}, src);
}

/**
 * Starts reading the frame code (test-media.ts `makeFrameCodeY4m`) of each frame `selector`'s video
 * presents, with the wall-clock time it was presented: `window.frameCodes` collects `[code, epochMs]`.
 * Two pages of one browser share a clock, so a code's time on a viewer's page minus its time in the
 * camera preview is the camera-to-viewer latency.
 */
export async function readFrameCodes(page: Page, selector: string, bits: number): Promise<void> {
	await page.evaluate(
		({ selector, bits }) => {
			type Sink = { frameCodes: [number, number][] };
			const w = window as unknown as Sink;
			w.frameCodes = [];
			const canvas = document.createElement("canvas");
			const ctx = canvas.getContext("2d", { willReadFrequently: true });
			const read = () => {
				const video = document.querySelector<HTMLVideoElement>(selector);
				if (!video || !ctx || video.videoWidth === 0) return;
				canvas.width = video.videoWidth;
				canvas.height = video.videoHeight;
				ctx.drawImage(video, 0, 0);
				// One row through the middle of the code's band; each bit sampled at its column's centre.
				const row = ctx.getImageData(0, Math.floor(canvas.height / 8), canvas.width, 1).data;
				let code = 0;
				for (let b = 0; b < bits; b++) {
					const x = Math.floor(((b + 0.5) * canvas.width) / bits);
					if ((row[x * 4] ?? 0) > 128) code |= 1 << b;
				}
				const last = w.frameCodes[w.frameCodes.length - 1];
				if (last?.[0] !== code) w.frameCodes.push([code, Date.now()]);
			};
			// Every animation frame, looking the element up each time: a re-render may replace it.
			const loop = () => {
				read();
				requestAnimationFrame(loop);
			};
			loop();
		},
		{ selector, bits },
	);
}

/**
 * Camera-to-viewer latencies: for each code the viewer showed, its time there minus the last time
 * the camera preview showed the same code before it (the fake camera loops, so codes repeat).
 */
export function frameLatencies(camera: [number, number][], viewer: [number, number][]): number[] {
	const out: number[] = [];
	for (const [code, at] of viewer) {
		let seen: number | undefined;
		for (const [c, t] of camera) if (c === code && t <= at) seen = t;
		if (seen !== undefined) out.push(at - seen);
	}
	return out;
}

/**
 * What `page` logs as an error from now on (a 4xx/5xx answer logs one in Chromium), its uncaught
 * exceptions and its requests that failed at the network level (not those it cancelled itself).
 */
export function consoleOf(page: Page, errors: string[] = []): string[] {
	page.on("console", (m) => {
		if (m.type() === "error") errors.push(`${page.url()}: ${m.text()} ${m.location().url}`);
	});
	page.on("pageerror", (e) => errors.push(`${page.url()}: uncaught ${e.message}`));
	page.on("requestfailed", (r) => {
		const why = r.failure()?.errorText ?? "unknown";
		if (why !== "net::ERR_ABORTED") errors.push(`${page.url()}: ${r.method()} ${r.url()} failed: ${why}`);
	});
	return errors;
}
