// Debian's Chromium driven by playwright-core, for the end-to-end tests that
// need a real browser. Playwright's own browser download cannot work on these
// machines, so the system package is used (`apt-get install -y chromium`,
// which .ci/run does when it is missing).
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

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
