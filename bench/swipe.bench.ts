// Swipes in a real Chromium: how long from a swipe to the next reel's video moving, once the feed
// has preloaded it (what a person scrolling For You meets), against the cold first reel from
// navigation in the same context (nothing loaded yet: the baseline of the run). At a phone's size,
// unthrottled and with the network throttled through CDP to 9 Mbps and 85 ms round trips. A swipe is
// a wheel move of one screen (the list scrolls directly and snaps, as under a finger); "first frame"
// is the active video playing with its time moved, read in the page every animation frame. The content is `npm run seed`'s (made once, through the real
// pipeline, and kept in .local/*-bench-swipe).
// Run: npm run bench:swipe   (BENCH_SWIPES, 20; BENCH_WATERFALL=1 prints what the cold start fetched)
import type { BrowserContext, Page } from "playwright-core";
import { launchBrowser } from "../scripts/browser.ts";
import { startDevStack } from "../scripts/dev-stack-process.ts";
import { seed } from "../scripts/seed.ts";
import { LIFTED_QUOTAS } from "./load/lifted-quotas.ts";
import { percentile } from "./support/latency.ts";

const SWIPES = Number(process.env.BENCH_SWIPES ?? 20);
const PHONE = { width: 390, height: 844 };
const THROTTLED = { offline: false, latency: 85, downloadThroughput: (9_000_000 / 8) | 0, uploadThroughput: (9_000_000 / 8) | 0 };

interface Move {
	/** Input to the first frame. */
	total: number;
	/** The reel becoming active (the feed's index moved) to its first frame: the player's own part. */
	player: number;
}

/** Arms a watcher in the page for reel `to`: when it is active and its video has moved, the times are kept. */
async function arm(page: Page, to: number) {
	await page.evaluate((to) => {
		const w = window as unknown as { move?: { started: number; active?: number; frame?: number } };
		const move: { started: number; active?: number; frame?: number } = { started: performance.now() };
		w.move = move;
		const watch = () => {
			const v = document.querySelector<HTMLVideoElement>(`[data-index="${to}"] video`);
			const isActive = document.querySelector('[role="feed"]')?.getAttribute("data-active-index") === String(to);
			if (isActive) move.active ??= performance.now();
			if (v && isActive && !v.paused && v.currentTime > 0) move.frame = performance.now();
			else if (performance.now() - move.started < 60_000) requestAnimationFrame(watch);
		};
		requestAnimationFrame(watch);
	}, to);
}

/** What each attached video is doing: said when a move never reaches its first frame. */
const videoStates = (page: Page) =>
	page.evaluate(() =>
		Array.from(document.querySelectorAll<HTMLVideoElement>("[data-index] video"))
			.map((v, i) => ({ i, v }))
			.filter(({ v }) => v.preload !== "none" || v.src)
			.map(
				({ i, v }) => `#${i} ready=${v.readyState} net=${v.networkState} paused=${v.paused} t=${v.currentTime} err=${v.error?.code ?? "-"}`,
			)
			.join("; "),
	);

/** What went wrong in each page: errors, console errors and refused requests. */
const pageErrors = new WeakMap<Page, string[]>();

/** Waits for `condition` in the page; when it does not come, says what the feed and its videos were doing. */
async function waitInPage<A>(page: Page, what: string, condition: (arg: A) => boolean, arg: A) {
	await page.waitForFunction(condition as (arg: unknown) => boolean, arg as unknown, { timeout: 60_000 }).catch(async (err: Error) => {
		await page.screenshot({ path: ".local/swipe-bench-stuck.png" });
		const count = await page.locator("[data-index]").count();
		throw new Error(
			`${what}: ${err.message}\n${pageErrors.get(page)?.join("; ") ?? ""}\n${count} reels listed, active ${await activeIndex(page)}; ${await videoStates(page)} (.local/swipe-bench-stuck.png)`,
		);
	});
}

async function measured(page: Page, to: number): Promise<Move> {
	await waitInPage(
		page,
		`reel ${to}'s first frame`,
		() => (window as unknown as { move?: { frame?: number } }).move?.frame !== undefined,
		null,
	);
	return page.evaluate(() => {
		const { started, active, frame } = (window as unknown as { move: { started: number; active: number; frame: number } }).move;
		return { total: Math.round(frame - started), player: Math.round(frame - active) };
	});
}

const activeIndex = async (page: Page) => Number(await page.getByRole("feed").getAttribute("data-active-index"));

/** The next reel is preloaded: attached, its first frame decoded (HAVE_CURRENT_DATA). */
const nextPreloaded = (page: Page, next: number) =>
	waitInPage(
		page,
		`reel ${next} preloaded`,
		(next) => (document.querySelector<HTMLVideoElement>(`[data-index="${next}"] video`)?.readyState ?? 0) >= 2,
		next,
	);

async function run(context: BrowserContext, label: string, throttle: boolean) {
	const page = await context.newPage();
	const errors: string[] = [];
	pageErrors.set(page, errors);
	page.on("pageerror", (e) => errors.push(e.message));
	page.on("console", (m) => {
		if (m.type() === "error") errors.push(m.text());
	});
	let apiCalls = 0;
	page.on("response", (r) => {
		if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
		if (new URL(r.url()).pathname.startsWith("/api/")) apiCalls++;
	});
	if (throttle) {
		const cdp = await context.newCDPSession(page);
		await cdp.send("Network.enable");
		await cdp.send("Network.emulateNetworkConditions", THROTTLED);
	}
	// Cold: navigation (performance's time origin) to the first reel moving, with an empty cache.
	await page.goto("/");
	await page.getByRole("feed").waitFor({ timeout: 60_000 });
	await arm(page, 0);
	await page.evaluate(() => {
		(window as unknown as { move: { started: number } }).move.started = 0;
	});
	const cold = (await measured(page, 0)).total;
	// BENCH_WATERFALL=1: what the cold start fetched, when (ms from navigation): the round trips to cut.
	if (process.env.BENCH_WATERFALL) {
		const entries = await page.evaluate(() =>
			performance.getEntriesByType("resource").map((e) => {
				const r = e as PerformanceResourceTiming;
				return {
					what: new URL(r.name).pathname.slice(-60),
					start: Math.round(r.startTime),
					end: Math.round(r.responseEnd),
					bytes: r.transferSize,
				};
			}),
		);
		console.log(`${label}: cold start, ${cold} ms to the first frame`);
		for (const e of entries.filter((e) => e.start <= cold))
			console.log(`  ${String(e.start).padStart(5)} → ${String(e.end).padStart(5)}  ${String(e.bytes).padStart(7)} B  ${e.what}`);
	}
	const usesHlsJs = await page.evaluate(
		() => document.querySelector<HTMLVideoElement>('[data-index="0"] video')?.src.startsWith("blob:") ?? false,
	);

	const feed = page.getByRole("feed");
	const box = await feed.boundingBox();
	if (!box) throw new Error("no feed on the page");
	await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
	const swipes: Move[] = [];
	const callsBefore = apiCalls;
	for (let i = 0; i < SWIPES; i++) {
		const to = (await activeIndex(page)) + 1;
		await waitInPage(page, `reel ${to} listed`, (to) => document.querySelector(`[data-index="${to}"]`) !== null, to);
		await nextPreloaded(page, to);
		await arm(page, to);
		await page.mouse.wheel(0, box.height);
		swipes.push(await measured(page, to));
	}
	const callsPerSwipe = (apiCalls - callsBefore) / SWIPES;
	await page.close();
	const p = (xs: number[], q: number) =>
		percentile(
			[...xs].sort((a, b) => a - b),
			q,
		);
	const row = (name: string, xs: Move[]) =>
		console.log(
			`${label.padEnd(12)} ${name.padEnd(26)} ${String(xs.length).padStart(3)}  input→frame p50 ${p(
				xs.map((x) => x.total),
				50,
			)
				.toFixed(0)
				.padStart(5)} p95 ${p(
				xs.map((x) => x.total),
				95,
			)
				.toFixed(0)
				.padStart(5)}   active→frame p50 ${p(
				xs.map((x) => x.player),
				50,
			)
				.toFixed(0)
				.padStart(5)} p95 ${p(
				xs.map((x) => x.player),
				95,
			)
				.toFixed(0)
				.padStart(5)}`,
		);
	console.log(`${label.padEnd(12)} cold first reel, navigation→frame ${cold} ms (${usesHlsJs ? "hls.js" : "native HLS"})`);
	console.log(`${label.padEnd(12)} API requests per swipe: ${callsPerSwipe.toFixed(2)} (the burst limit allows 100 per 10 s per address)`);
	row("swipe, preloaded", swipes);
	if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
	return {
		coldMs: cold,
		swipeP50: p(
			swipes.map((x) => x.total),
			50,
		),
		swipeP95: p(
			swipes.map((x) => x.total),
			95,
		),
	};
}

async function main() {
	const stack = await startDevStack("bench-swipe", {
		vars: LIFTED_QUOTAS,
	});
	const browser = await launchBrowser({ args: ["--autoplay-policy=no-user-gesture-required"] });
	try {
		await seed(stack.baseUrl, { creators: 6, clipsPerCreator: 6, mailUrl: stack.mailUrl });
		const results: Record<string, Awaited<ReturnType<typeof run>>> = {};
		for (const [label, throttle] of [
			["unthrottled", false],
			["9 Mbps/85ms", true],
		] as const) {
			const context = await browser.newContext({ baseURL: stack.baseUrl, viewport: PHONE, isMobile: true, hasTouch: true });
			try {
				results[label] = await run(context, label, throttle);
			} finally {
				await context.close();
			}
		}
		const r = (x: number) => Math.round(x * 100) / 100;
		const fast = results.unthrottled as Awaited<ReturnType<typeof run>>;
		const slow = results["9 Mbps/85ms"] as Awaited<ReturnType<typeof run>>;
		console.log(
			JSON.stringify({
				bench: "swipe",
				swipes: SWIPES,
				swipeP50Ms: fast.swipeP50,
				swipeP95Ms: fast.swipeP95,
				throttledSwipeP50Ms: slow.swipeP50,
				throttledSwipeP95Ms: slow.swipeP95,
				coldMs: fast.coldMs,
				throttledColdMs: slow.coldMs,
				// The baseline: the same reels' player starting with nothing loaded (the cold first reel, same context).
				swipeVsColdP50: r(fast.swipeP50 / fast.coldMs),
				throttledSwipeVsColdP50: r(slow.swipeP50 / slow.coldMs),
			}),
		);
	} finally {
		await browser.close();
		await stack.stop();
	}
}

await main();
