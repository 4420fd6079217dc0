// Debian's Chromium driven by playwright-core, for the end-to-end tests that
// need a real browser. Playwright's own browser download cannot work on these
// machines, so the system package is used (`apt-get install -y chromium`,
// which .ci/run does when it is missing).
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

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
