/// <reference lib="dom" />
// The web app used by two people in a real browser (Debian's Chromium through
// playwright-core) against a dev stack on its own ports: sign-up, follow,
// upload with progress and transcoding, the feed playing the reel, a like
// reaching the author's bell live, keyboard navigation, an upload resumed
// after a reload, and axe-core on the main pages. It measures the JavaScript
// needed before the first reel plays and the time to that first frame
// (printed, recorded in docs/benchmarks.md; only the size is a budget).
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, BrowserContext, Frame, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed, onTestFinished } from "vitest";
import { consoleOf, launchBrowser, newVisitorContext } from "./browser.ts";
import { type DevStackProcess, startDevStack } from "./dev-stack-process.ts";
import type { CaughtMail } from "./mail-catcher.ts";
import { makeClip, makeSpeechClip, makeTestJpeg } from "./test-media.ts";
import { waitFor } from "./wait-for.ts";

const root = resolve(import.meta.dirname, "..");
const artifacts = resolve(root, ".local/artifacts/web-app");
const media = resolve(root, ".local/e2e-web-media");
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const PASSWORD = "web app pass 1";
/** Conditions the page reaches after an API call or a smooth scroll: generous, for a loaded CI machine. */
const POLL = { timeout: 15_000 };
/** The budget for the JavaScript a first visit needs before the first reel plays (gzip). */
const FIRST_PLAY_JS_BUDGET = 150 * 1024;

let stack: DevStackProcess;
let browser: Browser;
const people: { ctx: BrowserContext; page: Page; id: string; email: string }[] = [];
let reelId = "";
const measured: {
	firstPlayJsGzipBytes?: number;
	firstFrameMs?: number;
	jsFiles?: string[];
	/** From each move (wheel, button, key, touch swipe) to the next reel's first frame playing. */
	moveToFirstFrameMs?: Record<string, number>;
} = {};
const DESK = { width: 1440, height: 900 };
/** Every console error, uncaught exception and failed request of every page: a person sees none. */
const consoleErrors: string[] = [];

/**
 * Records in `consoleErrors` what `page` logs as an error and every request that failed at the
 * network level (browser.ts `consoleOf`). A request the page itself cancelled (ERR_ABORTED: a
 * video's range request left behind by a swipe, a search superseded) is no failure.
 */
function watchConsole(page: Page): Page {
	consoleOf(page, consoleErrors);
	return page;
}

async function signUp(name: string, viewport = { width: 430, height: 860 }) {
	// bypassCSP lets the test inject axe-core; the app itself runs under its CSP everywhere else.
	const ctx = await newVisitorContext(browser, { viewport, bypassCSP: true });
	const page = watchConsole(await ctx.newPage());
	const email = `${name.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}@example.test`;
	await page.goto(`${stack.baseUrl}/signup`);
	await page.getByLabel("Name").fill(name);
	await page.getByLabel("Email").fill(email);
	await page.getByLabel("Password").fill(PASSWORD);
	await page.getByRole("button", { name: "Sign up" }).click();
	const profile = page.getByRole("link", { name: "Your profile" }).first();
	await profile.waitFor();
	await profile.click();
	// Profiles live at /@handle; registration derived this one from the name.
	await page.waitForURL(new RegExp(`/@${name.toLowerCase()}_\\d{4}$`));
	const id = (await page.locator("[data-user-id]").getAttribute("data-user-id")) as string;
	return { ctx, page, id, email };
}

/** Serious and critical axe-core violations on the page as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
	await page.addScriptTag({ path: AXE });
	const result = (await page.evaluate(() => (window as unknown as { axe: { run(): Promise<unknown> } }).axe.run())) as {
		violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
	};
	return result.violations
		.filter((v) => v.impact === "serious" || v.impact === "critical")
		.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/**
 * Moves the feed with `move` to reel `to`, and records in `into[how]` the milliseconds from the move
 * to that reel's video playing a frame (measured in the page, frame by frame: printed, not asserted).
 */
async function timedMove(page: Page, how: string, to: number, move: () => Promise<unknown>, into: Record<string, number>) {
	const feed = page.getByRole("feed");
	await page.evaluate((to) => {
		const w = window as unknown as { moved?: number; firstFrame?: number };
		w.moved = performance.now();
		w.firstFrame = undefined;
		const at = performance.now();
		const watch = () => {
			const v = document.querySelector<HTMLVideoElement>(`[data-index="${to}"] video`);
			const list = document.querySelector('[role="feed"]');
			if (v && list?.getAttribute("data-active-index") === String(to) && !v.paused && v.currentTime > 0) w.firstFrame = performance.now();
			else if (performance.now() - at < 30_000) requestAnimationFrame(watch);
		};
		requestAnimationFrame(watch);
	}, to);
	await move();
	await expect.poll(() => feed.getAttribute("data-active-index"), POLL).toBe(String(to));
	await page.waitForFunction(() => (window as unknown as { firstFrame?: number }).firstFrame !== undefined, null, { timeout: 30_000 });
	into[how] = await page.evaluate(() => {
		const w = window as unknown as { moved: number; firstFrame: number };
		return Math.round(w.firstFrame - w.moved);
	});
}

const shot = (page: Page, name: string) => page.screenshot({ path: resolve(artifacts, `${name}.png`) });

/**
 * Opens a feed until it lists `count` reels (or the one with `reelId`): lists are read from the
 * replica, which may be a moment behind another person's post, as a person would pull to refresh.
 * Following (followed creators' reels, then trending) by default: what the journeys of people who
 * follow someone count on; For You ("/") for a visitor or someone who follows nobody.
 */
async function openFeedUntil(page: Page, ready: (p: Page) => Promise<boolean>, path: "/following" | "/" = "/following") {
	for (let i = 0; i < 20; i++) {
		await page.goto(`${stack.baseUrl}${path}`);
		await page.getByRole("feed").or(page.getByText("No reels yet.")).first().waitFor();
		if (await ready(page)) return;
		await page.waitForTimeout(250);
	}
	throw new Error("the feed never showed what was posted");
}

beforeAll(async () => {
	mkdirSync(artifacts, { recursive: true });
	stack = await startDevStack("e2e-web", { fresh: true, vars: { QUOTA_ANON_PER_HOUR: "100000", QUOTA_USER_PER_HOUR: "100000" } });
	browser = await launchBrowser();
}, 150_000);

// A failure here is usually the stack's, not the page's: keep the stack's recent requests (with their
// durations) beside the screenshots, so a flaky run explains itself.
beforeEach(() => {
	onTestFailed(() => {
		const output = stack?.output() ?? "";
		writeFileSync(resolve(artifacts, "web-app-failure-stack.log"), output.slice(-200_000));
		console.error(`--- the dev stack's last output ---\n${output.slice(-15_000)}`);
	});
});

afterAll(async () => {
	await browser?.close();
	await stack?.stop();
	if (measured.firstPlayJsGzipBytes) console.log(JSON.stringify({ webApp: measured }));
});

/**
 * A page that plays `manifests` with hls.js (its full build: the app's light one has no subtitles),
 * from the HLS master's SUBTITLES group, and dash.js, from the MPD's text AdaptationSet, each showing
 * its first text track: players that read the manifests, not the app's <track>. Their own log lines
 * are theirs, so this page's console is not watched.
 */
async function manifestPlayers(ctx: BrowserContext, manifests: { hls: string; dash: string }) {
	const players = await ctx.newPage();
	await players.goto(`${stack.baseUrl}/health`);
	await players.addScriptTag({ path: resolve(root, "node_modules/hls.js/dist/hls.min.js") });
	await players.addScriptTag({ path: resolve(root, "node_modules/dashjs/dist/modern/umd/dash.all.min.js") });
	await players.evaluate(({ hls, dash }) => {
		type Player = { on(event: string, f: () => void): void; loadSource(u: string): void; attachMedia(v: HTMLVideoElement): void };
		const w = window as unknown as {
			Hls: { new (c: object): Player & { subtitleTrack: number }; Events: Record<string, string> };
			dashjs: {
				MediaPlayer(): { create(): { updateSettings(s: object): void; initialize(v: HTMLVideoElement, u: string, play: boolean): void } };
			};
			videos: Record<string, HTMLVideoElement>;
		};
		const make = (id: string) => {
			const v = document.createElement("video");
			Object.assign(v, { muted: true, loop: true, autoplay: true, id });
			document.body.append(v);
			return v;
		};
		w.videos = { hls: make("hls"), dash: make("dash") };
		const h = new w.Hls({ subtitleDisplay: true });
		// As a viewer picks it from a menu once the tracks are listed (hls.js settles its own default, none, first).
		h.on(w.Hls.Events.SUBTITLE_TRACKS_UPDATED as string, () =>
			setTimeout(() => {
				h.subtitleTrack = 0;
			}),
		);
		h.loadSource(hls);
		h.attachMedia(w.videos.hls as HTMLVideoElement);
		const d = w.dashjs.MediaPlayer().create();
		d.updateSettings({ streaming: { text: { defaultEnabled: true } } });
		d.initialize(w.videos.dash as HTMLVideoElement, dash, true);
	}, manifests);
	/** The text of the cues each player shows now. */
	const cuesOf = (which: "hls" | "dash") =>
		players.evaluate((id) => {
			const v = document.getElementById(id) as HTMLVideoElement;
			return Array.from(v.textTracks)
				.filter((t) => t.mode === "showing")
				.flatMap((t) => Array.from(t.activeCues ?? [], (c) => (c as VTTCue).text))
				.join("|");
		}, which);
	return { cuesOf, close: () => players.close() };
}

describe("the web app in Chromium", () => {
	it("signs two people up through the UI, and B follows A", { timeout: 60_000 }, async () => {
		people.push(await signUp("Ada"), await signUp("Ben"));
		const [a, b] = people as [(typeof people)[0], (typeof people)[0]];
		await b.page.goto(`${stack.baseUrl}/u/${a.id}`);
		await b.page.getByText("No reels yet.").waitFor();
		await b.page.getByRole("button", { name: "Follow" }).click();
		await b.page.getByRole("button", { name: "Following" }).waitFor();
		await expect.poll(() => b.page.locator("[data-followers]").textContent(), POLL).toBe("1");
		expect(await axeViolations(b.page), "profile page").toEqual([]);
		await shot(b.page, "profile");
	});

	it("lets a private account approve a follow request from the bell", { timeout: 90_000 }, async () => {
		const b = people[1] as (typeof people)[0];
		const c = await signUp("Cy");
		await c.page.getByRole("button", { name: "Edit profile" }).click();
		await c.page.getByRole("checkbox", { name: /Private account/ }).check();
		await c.page.getByRole("button", { name: "Save" }).click();
		await c.page.getByText("Private account", { exact: true }).waitFor();

		await b.page.goto(`${stack.baseUrl}/u/${c.id}`);
		await b.page.getByRole("button", { name: "Follow" }).click();
		await b.page.getByRole("button", { name: "Requested" }).waitFor();

		const bell = c.page.getByRole("button", { name: /^Notifications, \d+ unread$/ });
		await expect.poll(async () => Number(await bell.getAttribute("data-unread")), { timeout: 15_000 }).toBeGreaterThan(0);
		await bell.click();
		await c.page.getByText("Ben asked to follow you.").waitFor();
		expect(await axeViolations(c.page), "the bell with a follow request").toEqual([]);
		await shot(c.page, "follow-request");
		await c.page.getByRole("button", { name: "Approve Ben" }).click();
		await c.page.getByRole("button", { name: "Approve Ben" }).waitFor({ state: "detached" });
		await c.page.keyboard.press("Escape");

		// B sees it on the profile, as a person reloading would (profiles are read from the replica).
		await expect
			.poll(async () => {
				await b.page.reload();
				// The first render may be the anonymous one (the session resumes after the page loads): wait for the signed-in one.
				return b.page
					.getByRole("button", { name: "Following" })
					.waitFor({ timeout: 3_000 })
					.then(() => true)
					.catch(() => false);
			}, POLL)
			.toBe(true);
		expect(await b.page.locator("[data-followers]").textContent()).toBe("1");
		await c.ctx.close();
	});

	it("lets A upload a clip with a moving progress bar, see it become ready, and post it", { timeout: 120_000 }, async () => {
		const a = people[0] as (typeof people)[0];
		const clip = makeClip(media, { size: "360x640", seconds: 4, name: "web-upload.mp4" });
		await a.page.goto(`${stack.baseUrl}/upload`);
		await a.page.getByRole("heading", { name: "Upload a reel" }).waitFor();
		expect(await axeViolations(a.page), "upload page").toEqual([]);
		// Every value the bars take, recorded as the page renders it (a MutationObserver misses no render).
		await a.page.evaluate(() => {
			const w = window as unknown as { bars: string[] };
			w.bars = [];
			const note = () => {
				for (const bar of Array.from(document.querySelectorAll("[role=progressbar]"))) {
					w.bars.push(`${bar.getAttribute("aria-label")}:${bar.getAttribute("aria-valuenow")}`);
				}
			};
			new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
		});
		await a.page.setInputFiles("input[type=file]", clip.path);
		// The file shows by name, and the caption can be written while it goes up and is processed.
		await a.page.getByText("web-upload.mp4").waitFor();
		await a.page.getByLabel("Caption").fill("My first reel #hello");
		await a.page.getByText("Your video is ready.").waitFor({ timeout: 60_000 });
		const seen = await a.page.evaluate(() => (window as unknown as { bars: string[] }).bars);
		// They moved: the upload bar was seen, and the processing bar after it.
		expect(seen.some((v) => v.startsWith("Uploading:"))).toBe(true);
		expect(seen.some((v) => v.startsWith("Processing:"))).toBe(true);
		await shot(a.page, "upload");
		expect(await a.page.getByLabel("Caption").inputValue()).toBe("My first reel #hello");
		await a.page.getByRole("button", { name: "Post", exact: true }).click();
		// A confirmation with where to go next.
		await a.page.getByText("Posted.").waitFor();
		await a.page.getByRole("link", { name: "Your profile" }).first().waitFor();
		await a.page.getByRole("link", { name: "See your reel" }).click();
		await a.page.waitForURL(/\/reel\/[0-9a-f-]{36}$/);
		reelId = a.page.url().split("/reel/")[1] as string;
	});

	it("plays A's reel in B's feed, and B's like reaches A's bell without a reload", { timeout: 60_000 }, async () => {
		const [a, b] = people as [(typeof people)[0], (typeof people)[0]];
		// A first visit, with an empty cache: the JavaScript it needs before the first reel plays, and how long that takes.
		const visitor = await newVisitorContext(browser, { viewport: { width: 430, height: 860 } });
		const first = watchConsole(await visitor.newPage());
		const js: { url: string; bytes: number }[] = [];
		first.on("response", async (r) => {
			if (r.url().endsWith(".js")) js.push({ url: r.url(), bytes: gzipSync(await r.body().catch(() => Buffer.alloc(0))).length });
		});
		const start = Date.now();
		await first.goto(`${stack.baseUrl}/reel/${reelId}`);
		const firstVideo = first.locator("article video");
		await expect.poll(() => firstVideo.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000 }).toBeGreaterThan(0);
		measured.firstFrameMs = Date.now() - start;
		measured.firstPlayJsGzipBytes = js.reduce((n, f) => n + f.bytes, 0);
		measured.jsFiles = js.map((f) => f.url.split("/").pop() ?? "");
		await visitor.close();
		expect(measured.firstPlayJsGzipBytes).toBeLessThanOrEqual(FIRST_PLAY_JS_BUDGET);

		await openFeedUntil(b.page, async (p) => (await p.locator(`article[data-reel-id="${reelId}"]`).count()) > 0);
		const card = b.page.locator(`article[data-reel-id="${reelId}"]`);
		const video = card.locator("video");
		await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000 }).toBeGreaterThan(0.3);
		expect(await video.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThanOrEqual(360);
		expect(await axeViolations(b.page), "feed").toEqual([]);
		await shot(b.page, "feed");

		const bell = a.page.getByRole("button", { name: /^Notifications, \d+ unread$/ });
		const before = Number(await bell.getAttribute("data-unread"));
		await card.getByRole("button", { name: /^Like, likes: \d+$/ }).click();
		await expect.poll(() => card.locator("[data-like-count]").textContent(), POLL).toBe("1");
		await expect.poll(async () => Number(await bell.getAttribute("data-unread")), { timeout: 15_000 }).toBeGreaterThan(before);
		await bell.click();
		// Who liked it, by name, not "Someone": the inbox carries the actor.
		await a.page.getByRole("link", { name: /^Ben liked your reel\./ }).waitFor({ timeout: 15_000 });
		await shot(a.page, "notifications");
		await a.page.keyboard.press("Escape");
	});

	it("reports what B watched, and A reads it in the reel's analytics: figures, a retention curve and views by day", {
		timeout: 60_000,
	}, async () => {
		const [a, b] = people as [(typeof people)[0], (typeof people)[0]];
		// B leaves the reel: its view ends, and the player reports it.
		const ended = b.page.waitForRequest((r) => r.url().endsWith("/api/playback") && (r.postData() ?? "").includes('"type":"end"'));
		await b.page.locator(`a[href="/search"]:visible`).first().click();
		const report = JSON.parse((await ended).postData() ?? "{}") as { events: { reelId: string; watchedSeconds: number }[] };
		const mine = report.events.filter((e) => e.reelId === reelId);
		expect(Math.max(...mine.map((e) => e.watchedSeconds))).toBeGreaterThan(0.2);

		for (const [width, height, size] of [
			[390, 844, "phone"],
			[1440, 900, "desktop"],
		] as const) {
			await a.page.setViewportSize({ width, height });
			// Read until the replica has B's report (a page load reads once).
			await expect
				.poll(async () => {
					await a.page.goto(`${stack.baseUrl}/analytics/${reelId}`);
					const plays = a.page.locator("dt", { hasText: /^Plays$/ }).locator("xpath=following-sibling::dd");
					await plays.waitFor();
					return Number(await plays.textContent());
				}, POLL)
				.toBeGreaterThanOrEqual(1);
			await a.page.getByRole("img", { name: /^Share of plays past each tenth/ }).waitFor();
			await a.page.getByRole("img", { name: /views in the last 28 days/ }).waitFor();
			expect(await a.page.evaluate(() => document.documentElement.scrollWidth), size).toBeLessThanOrEqual(width);
			await shot(a.page, `reel-analytics-${size}`);
		}
		await a.page.setViewportSize({ width: 430, height: 860 });
		// The account's page lists the reel among the most viewed, and leads back to it.
		await a.page.goto(`${stack.baseUrl}/analytics`);
		await a.page.locator(`a[href="/analytics/${reelId}"]`).click();
		await a.page.waitForURL(new RegExp(`/analytics/${reelId}$`));
		await a.page.getByRole("heading", { name: "Reel analytics" }).waitFor();
	});

	it("opens comments as a bottom sheet on a phone; A replies to B's comment in its thread, and B's bell says so", {
		timeout: 60_000,
	}, async () => {
		const [a, b] = people as [(typeof people)[0], (typeof people)[0]];
		await b.page.goto(`${stack.baseUrl}/reel/${reelId}`);
		await b.page.getByRole("button", { name: /^Comments: \d+$/ }).click();
		const sheet = b.page.getByRole("dialog", { name: "Comments" });
		// A sheet from the bottom edge, the screen's full width: where a thumb is.
		const box = await sheet.boundingBox();
		const view = b.page.viewportSize();
		expect(box && view && Math.round(box.y + box.height)).toBe(view?.height);
		expect(box?.width).toBe(view?.width);
		await sheet.getByLabel("Add a comment").fill("Where was this filmed?");
		await sheet.getByRole("button", { name: "Post" }).click();
		await sheet.getByText("Where was this filmed?").waitFor();
		expect(await axeViolations(b.page), "comments sheet").toEqual([]);
		await b.page.keyboard.press("Escape");

		const bell = b.page.getByRole("button", { name: /^Notifications, \d+ unread$/ });
		const before = Number(await bell.getAttribute("data-unread"));
		await a.page.goto(`${stack.baseUrl}/reel/${reelId}`);
		await a.page.getByRole("button", { name: /^Comments: \d+$/ }).click();
		const mine = a.page.getByRole("dialog", { name: "Comments" });
		await mine.getByRole("button", { name: "Reply to Ben" }).click();
		await mine.getByText("Replying to Ben").waitFor();
		// The box is ready to type in.
		await a.page.keyboard.type("At the harbour");
		await mine.getByRole("button", { name: "Post" }).click();
		const thread = mine.getByRole("list", { name: "Replies to Ben" });
		await thread.getByText("At the harbour").waitFor();
		await shot(a.page, "comments-sheet");
		await a.page.keyboard.press("Escape");

		await expect.poll(async () => Number(await bell.getAttribute("data-unread")), POLL).toBeGreaterThan(before);
		await bell.click();
		await b.page.getByRole("link", { name: /^Ada replied to your comment: “At the harbour”/ }).waitFor({ timeout: 15_000 });
		await b.page.keyboard.press("Escape");
		// Someone arriving later sees the thread folded, with its count.
		await b.page.goto(`${stack.baseUrl}/reel/${reelId}`);
		await b.page.getByRole("button", { name: /^Comments: \d+$/ }).click();
		await b.page.getByRole("dialog", { name: "Comments" }).getByRole("button", { name: "View 1 reply" }).click();
		await b.page.getByRole("list", { name: "Replies to Ben" }).getByText("At the harbour").waitFor();
		await b.page.keyboard.press("Escape");
	});

	it("moves through the feed with the keyboard alone", { timeout: 90_000 }, async () => {
		const [a, b] = people as [(typeof people)[0], (typeof people)[0]];
		// A second reel of A's, through the same UI.
		await a.page.goto(`${stack.baseUrl}/upload`);
		await a.page.setInputFiles("input[type=file]", makeClip(media, { size: "360x640", seconds: 2, name: "web-second.mp4" }).path);
		await a.page.getByText("Your video is ready.").waitFor({ timeout: 60_000 });
		// Trimmed to 0.5–1.8 s before posting: the reel is a clip of the video, 1.3 s long.
		const trim = a.page.locator("[data-trim]");
		await trim.getByLabel("Start").fill("0.5");
		await trim.getByLabel("End").fill("1.8");
		await trim.getByText("Keeps 0:00.5 to 0:01.8 (1.3 s).", { exact: false }).waitFor();
		await shot(a.page, "upload-trim");
		await a.page.getByRole("button", { name: "Post", exact: true }).click();
		await a.page.getByRole("link", { name: "See your reel" }).click();
		await a.page.waitForURL(/\/reel\//);
		const trimmedReel = a.page.url().split("/reel/")[1] as string;

		await openFeedUntil(b.page, async (p) => (await p.locator("article").count()) === 2);
		const feed = b.page.getByRole("feed");
		// The trimmed reel plays its 1.3 s only.
		const trimmed = feed.locator(`article[data-reel-id="${trimmedReel}"] video`);
		await expect.poll(() => trimmed.evaluate((v: HTMLVideoElement) => Math.abs(v.duration - 1.3) < 0.1), POLL).toBe(true);
		// Tab from the page into the feed (its first reel), then the arrow keys.
		const inFeed = () => feed.evaluate((el) => el.contains(document.activeElement) && document.activeElement?.tagName === "ARTICLE");
		for (let i = 0; i < 30 && !(await inFeed()); i++) await b.page.keyboard.press("Tab");
		expect(await inFeed()).toBe(true);
		await b.page.keyboard.press("ArrowDown");
		await expect.poll(() => feed.getAttribute("data-active-index"), POLL).toBe("1");
		await b.page.keyboard.press("ArrowUp");
		await expect.poll(() => feed.getAttribute("data-active-index"), POLL).toBe("0");
		// Focus anywhere (nothing focused at all): ↓ still moves on, and Space pauses instead of scrolling.
		await b.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
		await b.page.keyboard.press("ArrowDown");
		await expect.poll(() => feed.getAttribute("data-active-index"), POLL).toBe("1");
		const playing = feed.locator('[data-index="1"] video');
		await expect.poll(() => playing.evaluate((v: HTMLVideoElement) => !v.paused && v.currentTime > 0), POLL).toBe(true);
		await b.page.keyboard.press(" ");
		await expect.poll(() => playing.evaluate((v: HTMLVideoElement) => v.paused), POLL).toBe(true);
		expect(await feed.getAttribute("data-active-index")).toBe("1");
		// `l` likes the reel on screen, and only that one; again takes the like back.
		const like = (i: number) => feed.locator(`[data-index="${i}"] [data-action="like"]`);
		const before = { 0: await like(0).getAttribute("aria-pressed"), 1: await like(1).getAttribute("aria-pressed") };
		const flipped = before[1] === "true" ? "false" : "true";
		await b.page.keyboard.press("l");
		await expect.poll(() => like(1).getAttribute("aria-pressed"), POLL).toBe(flipped);
		expect(await like(0).getAttribute("aria-pressed")).toBe(before[0]);
		await b.page.keyboard.press("l");
		await expect.poll(() => like(1).getAttribute("aria-pressed"), POLL).toBe(before[1]);
	});

	it("at a desk's size: edits the profile and the header shows the new avatar at once; moves with the buttons, the wheel and the keys", {
		timeout: 90_000,
	}, async () => {
		const d = await signUp("Dee", DESK);
		const header = d.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Your profile" });
		expect(await header.locator("img").count()).toBe(0);
		await d.page.getByRole("button", { name: "Edit profile" }).click();
		await d.page.getByLabel("Name").fill("Dee Desk");
		await d.page.setInputFiles('input[name="avatar"]', { name: "me.jpg", mimeType: "image/jpeg", buffer: makeTestJpeg(media, "320x320") });
		await d.page.getByRole("button", { name: "Save" }).click();
		await d.page.getByRole("heading", { name: "Dee Desk" }).waitFor();
		// The header's avatar is the new image, without a reload.
		await expect.poll(() => header.locator("img").getAttribute("src"), POLL).toMatch(/^\/img\/width=\d+/);
		await expect.poll(() => header.locator("img").evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), POLL).toBe(true);
		await shot(d.page, "profile-edited-desk");

		// Upload and post at a desk's size, and see the confirmation.
		await d.page.getByRole("link", { name: "Upload" }).click();
		await d.page.setInputFiles("input[type=file]", makeClip(media, { size: "360x640", seconds: 2, name: "web-desk.mp4" }).path);
		await d.page.getByLabel("Caption").fill("Made at a desk #deskjourney");
		await d.page.getByText("Your video is ready.").waitFor({ timeout: 60_000 });
		// The cover: a frame picked from the strip is saved at once, and the picture beside it changes.
		const picker = d.page.locator("[data-cover-picker]");
		const coverBefore = await picker.locator("img[data-cover]").getAttribute("src");
		await picker.getByRole("button", { name: "Frame at 0:01" }).click();
		await picker.getByText("Cover set to 0:01.").waitFor();
		expect(await picker.locator("img[data-cover]").getAttribute("src")).not.toBe(coverBefore);
		await expect
			.poll(() => picker.locator("img[data-cover]").evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), POLL)
			.toBe(true);
		await shot(d.page, "cover-picker-desk");
		await d.page.getByRole("button", { name: "Post", exact: true }).click();
		await d.page.getByText("Posted.").waitFor();
		await d.page.getByRole("link", { name: "See your reel" }).click();
		await d.page.waitForURL(/\/reel\/[0-9a-f-]{36}$/);
		const deskReel = d.page.url().split("/reel/")[1] as string;

		// Found by its hashtag (search reads a replica: asked again until it is there, as a person would).
		await d.page.getByRole("link", { name: "Search" }).click();
		await expect
			.poll(async () => {
				await d.page.goto(`${stack.baseUrl}/search?q=${encodeURIComponent("#deskjourney")}`);
				await d.page.getByRole("heading", { name: "Reels" }).waitFor();
				return d.page.locator(`a[href="/reel/${deskReel}"]`).count();
			}, POLL)
			.toBe(1);

		// At a desk, the tile's animated preview plays while the pointer is on it, and is gone when it leaves.
		const tile = d.page.locator(`a[href="/reel/${deskReel}"]`);
		await tile.hover();
		const preview = tile.locator("video[data-grid-preview]");
		await expect.poll(() => preview.evaluate((v: HTMLVideoElement) => !v.paused && v.currentTime > 0), POLL).toBe(true);
		await shot(d.page, "search-preview-desk");
		await d.page.mouse.move(DESK.width - 2, DESK.height - 2);
		await preview.waitFor({ state: "detached" });

		// Ben, on his phone, likes it; the bell at the desk says so without a reload.
		const b = people[1] as (typeof people)[0];
		const bell = d.page.getByRole("button", { name: /^Notifications, \d+ unread$/ });
		const before = Number(await bell.getAttribute("data-unread"));
		await b.page.goto(`${stack.baseUrl}/reel/${deskReel}`);
		await b.page.getByRole("button", { name: /^Like, likes: 0$/ }).click();
		// The like done first: a count that rose for another reason (the video becoming ready) must not open the bell early.
		await b.page
			.locator(`article[data-reel-id="${deskReel}"]`)
			.getByRole("button", { name: /^Unlike, likes: 1$/ })
			.waitFor();
		await expect.poll(async () => Number(await bell.getAttribute("data-unread")), POLL).toBeGreaterThan(before);
		await bell.click();
		await d.page
			.getByRole("link", { name: /^Ben liked your reel\./ })
			.waitFor({ timeout: 15_000 })
			.catch(async (e: Error) => {
				await shot(d.page, "notifications-desk-failure");
				throw new Error(
					`${e.message}\nthe bell: ${await d.page
						.getByRole("dialog")
						.textContent()
						.catch(() => "(none)")}`,
				);
			});
		await shot(d.page, "notifications-desk");
		await d.page.keyboard.press("Escape");

		await openFeedUntil(d.page, async (p) => (await p.locator("article").count()) >= 2, "/");
		const moves: Record<string, number> = {};
		await timedMove(d.page, "button", 1, () => d.page.getByRole("button", { name: "Next reel" }).click(), moves);
		await timedMove(d.page, "key", 0, () => d.page.keyboard.press("ArrowUp"), moves);
		// The key's smooth scroll must have settled: a wheel turned while it still runs can be swallowed by it.
		await d.page.waitForFunction(() => document.querySelector('[role="feed"]')?.scrollTop === 0);
		await d.page.mouse.move(DESK.width / 2, DESK.height / 2);
		await timedMove(d.page, "wheel", 1, () => d.page.mouse.wheel(0, 600), moves);
		await timedMove(d.page, "previousButton", 0, () => d.page.getByRole("button", { name: "Previous reel" }).click(), moves);
		measured.moveToFirstFrameMs = { ...measured.moveToFirstFrameMs, ...moves };
		await d.ctx.close();
	});

	it("on a phone's touch screen: a visitor swipes up to the next reel and back down", { timeout: 60_000 }, async () => {
		const ctx = await newVisitorContext(browser, { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
		const page = watchConsole(await ctx.newPage());
		await openFeedUntil(page, async (p) => (await p.locator("article").count()) >= 2, "/");
		const cdp = await ctx.newCDPSession(page);
		// A finger dragged most of the way up the screen (or down), held a moment and lifted, as touch
		// events through Chromium's input pipeline (its synthetic scroll gesture does not scroll when
		// headless). Without a fling, past half the height is what snaps to the next reel.
		const swipe = async (dy: number) => {
			const from = dy < 0 ? 740 : 140;
			const at = (y: number) => [{ x: 195, y }];
			await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: at(from) });
			for (let moved = 0; Math.abs(moved) < Math.abs(dy); moved += Math.sign(dy) * 30) {
				await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: at(from + moved) });
				await page.evaluate(() => new Promise(requestAnimationFrame));
			}
			await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
			await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
		};
		const moves: Record<string, number> = {};
		await timedMove(page, "touchSwipe", 1, () => swipe(-600), moves);
		await timedMove(page, "touchSwipeBack", 0, () => swipe(600), moves);
		measured.moveToFirstFrameMs = { ...measured.moveToFirstFrameMs, ...moves };
		await ctx.close();
	});

	it("resumes an upload after a reload instead of starting over", { timeout: 90_000 }, async () => {
		const a = people[0] as (typeof people)[0];
		// This test cuts the network on purpose: the requests that fail meanwhile are its own doing.
		const ownErrors = consoleErrors.length;
		onTestFinished(() => {
			consoleErrors.splice(ownErrors);
		});
		// 12 MiB: a real clip's header (the server decides the type from the first bytes) then padding.
		const head = makeClip(media, { size: "180x320", seconds: 1, name: "web-head.mp4" }).bytes;
		const big = resolve(media, "web-big.mp4");
		writeFileSync(big, Buffer.concat([head, Buffer.alloc(12 * 1024 * 1024 - head.length, 7)]));
		const cdp = await a.ctx.newCDPSession(a.page);
		await cdp.send("Network.enable");
		// Slow enough that a reload lands between chunks (5 MiB each) on any machine.
		await cdp.send("Network.emulateNetworkConditions", {
			offline: false,
			latency: 0,
			downloadThroughput: -1,
			uploadThroughput: 2 * 1024 * 1024,
		});
		await a.page.goto(`${stack.baseUrl}/upload`);
		await a.page.setInputFiles("input[type=file]", big);
		await a.page.waitForFunction(
			() => Number(document.querySelector("[data-saved-bytes]")?.getAttribute("data-saved-bytes")) >= 5 * 1024 * 1024,
			null,
			{
				timeout: 60_000,
			},
		);
		await a.page.reload();
		const requests: string[] = [];
		a.page.on("request", (r) => {
			if (r.url().includes("/api/uploads/tus")) requests.push(r.method());
		});
		await a.page.setInputFiles("input[type=file]", big);
		await a.page.waitForFunction(
			() => Number(document.querySelector("[data-saved-bytes]")?.getAttribute("data-saved-bytes")) >= 10 * 1024 * 1024,
			null,
			{
				timeout: 60_000,
			},
		);
		// Resumed: it asked where the upload stood (HEAD) and went on (PATCH); it never created a new one (POST).
		expect(requests[0]).toBe("HEAD");
		expect(requests).toContain("PATCH");
		expect(requests).not.toContain("POST");
		await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
	});

	it("has no serious accessibility violations on the sign-in page", async () => {
		const ctx = await newVisitorContext(browser, { bypassCSP: true });
		const page = watchConsole(await ctx.newPage());
		await page.goto(`${stack.baseUrl}/signin`);
		await page.getByRole("heading", { name: "Sign in" }).waitFor();
		expect(await axeViolations(page)).toEqual([]);
		await ctx.close();
	});

	it("asks a visitor to sign in to like, in a sheet, then comes back to the reel and likes it", { timeout: 60_000 }, async () => {
		const ctx = await newVisitorContext(browser, { viewport: { width: 390, height: 844 } });
		const page = watchConsole(await ctx.newPage());
		await page.goto(`${stack.baseUrl}/reel/${reelId}`);
		const like = page.locator(`article[data-reel-id="${reelId}"]`).getByRole("button", { name: /^Like, likes: \d+$/ });
		const before = Number(await like.locator("[data-like-count]").textContent());
		await like.click();
		const sheet = page.getByRole("dialog", { name: "Sign in to continue" });
		await sheet.getByText("Sign in to like Ada's reel.").waitFor();
		await sheet.getByRole("link", { name: "Create an account" }).click();
		await page.getByLabel("Name").fill("Dee");
		await page.getByLabel("Email").fill(`dee-${crypto.randomUUID().slice(0, 8)}@example.test`);
		await page.getByLabel("Password").fill(PASSWORD);
		await page.getByRole("button", { name: "Sign up" }).click();
		await page.waitForURL(new RegExp(`/reel/${reelId}$`));
		const liked = page.locator(`article[data-reel-id="${reelId}"]`).getByRole("button", { name: /^Unlike, likes: \d+$/ });
		await expect.poll(() => liked.getAttribute("aria-pressed"), POLL).toBe("true");
		expect(Number(await liked.locator("[data-like-count]").textContent())).toBe(before + 1);
		await ctx.close();
	});

	it("lays out the main pages at a phone's, a tablet's and a desk's size (screenshots in the artifacts)", {
		timeout: 120_000,
	}, async () => {
		const a = people[0] as (typeof people)[0];
		const page = a.page;
		await page.goto(`${stack.baseUrl}/u/${a.id}`);
		const profilePath = new URL(
			(await page
				.getByRole("link", { name: /Your profile/i })
				.first()
				.getAttribute("href")) ?? "/",
			stack.baseUrl,
		).pathname;
		const pages = [
			["feed", "/", () => page.getByRole("feed").waitFor()],
			["reel", `/reel/${reelId}`, () => page.locator("article video").waitFor()],
			["profile", profilePath, () => page.locator("[data-user-id]").waitFor()],
			["search", "/search?q=%23hello", () => page.getByRole("heading", { name: "Reels" }).waitFor()],
			["live", "/live", () => page.getByRole("heading", { name: "Live now" }).waitFor()],
			["upload", "/upload", () => page.getByRole("heading", { name: "Upload a reel" }).waitFor()],
		] as const;
		// 18 page loads in half a minute from one address would meet the burst limit (100 requests per
		// 10 s per address) that no person meets: each load here comes as if from a visitor of its own.
		let visitor = 0;
		onTestFinished(() => page.setExtraHTTPHeaders({}));
		for (const [width, height, size] of [
			[390, 844, "phone"],
			[768, 1024, "tablet"],
			[1440, 900, "desktop"],
		] as const) {
			await page.setViewportSize({ width, height });
			for (const [name, path, ready] of pages) {
				await page.setExtraHTTPHeaders({ "cf-connecting-ip": `10.77.0.${++visitor}` });
				await page.goto(`${stack.baseUrl}${path}`);
				await ready().catch(async (e: Error) => {
					await shot(page, `${name}-${size}-not-ready`);
					throw new Error(`${name} at ${size} (${page.url()}): ${e.message}`);
				});
				// Shot as a person sees it: signed in again (the silent refresh) and the pictures in.
				await page
					.getByRole("link", { name: /Your profile/i })
					.first()
					.waitFor();
				await page.waitForFunction(() => Array.from(document.images).every((i) => i.complete));
				// Nothing wider than the screen: a header or a name that overflows makes the page scroll sideways.
				expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} at ${size}`).toBeLessThanOrEqual(width);
				await shot(page, `${name}-${size}`);
			}
			expect(await axeViolations(page), `upload at ${size}`).toEqual([]);
		}
		await page.setViewportSize({ width: 430, height: 860 });
		// Found by handle as well as by hashtag (above).
		const handle = decodeURIComponent(profilePath).slice(2);
		await page.setExtraHTTPHeaders({ "cf-connecting-ip": `10.77.0.${++visitor}` });
		await page.goto(`${stack.baseUrl}/search?q=${encodeURIComponent(`@${handle}`)}`);
		await page.getByRole("link", { name: new RegExp(`@${handle}`) }).click();
		await page.waitForURL(new RegExp(`/(@|%40)${handle}$`));
	});

	it("creates and revokes an API key and changes the password in Settings, at a phone's and a desk's size", {
		timeout: 60_000,
	}, async () => {
		const kit = await signUp("Kit");
		const page = kit.page;
		await page.getByRole("link", { name: "Settings" }).click();
		await page.waitForURL(/\/settings$/);
		await page.getByText("No API keys yet.").waitFor();
		const create = page.getByRole("form", { name: "Create an API key" });
		await create.getByLabel("Name").fill("Storage watcher");
		await create.getByLabel(/read your uploads' status and storage/).check();
		await create.getByLabel("Your password").fill(PASSWORD);
		await create.getByRole("button", { name: "Create key" }).click();
		const key = await page.getByLabel("The new API key").inputValue();
		expect(key).toMatch(/^rk_[0-9a-f]{64}_/);
		await page.getByRole("list", { name: "Your API keys" }).getByText("Storage watcher").waitFor();
		// The key works from outside, for what it was given and nothing else.
		const withKey = (path: string) => fetch(`${stack.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
		expect((await withKey("/api/users/me/storage")).status).toBe(200);
		expect((await withKey("/api/users/me")).status).toBe(403);
		for (const [size, viewport] of [
			["phone", { width: 430, height: 860 }],
			["desktop", DESK],
		] as const) {
			await page.setViewportSize(viewport);
			expect(await page.evaluate(() => document.documentElement.scrollWidth), size).toBeLessThanOrEqual(viewport.width);
			await shot(page, `settings-${size}`);
		}
		expect(await axeViolations(page)).toEqual([]);
		await page.getByRole("button", { name: "Revoke Storage watcher" }).click();
		await page.getByText("No API keys yet.").waitFor();
		expect((await withKey("/api/users/me/storage")).status).toBe(401);

		await page.getByLabel("Current password").fill(PASSWORD);
		await page.getByLabel("New password").fill("a new web pass 2");
		await page.getByRole("button", { name: "Change password" }).click();
		await page.getByText("Password changed. 0 other sessions were signed out.").waitFor();
		const login = (password: string) =>
			fetch(`${stack.baseUrl}/api/auth/login`, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ email: kit.email, password }),
			});
		expect((await login(PASSWORD)).status).toBe(401);
		expect((await login("a new web pass 2")).status).toBe(200);
		// This session goes on: the page still acts as Kit with the fresh token.
		await page.reload();
		await page.getByRole("heading", { name: "Settings" }).waitFor();
		await page.getByText("No API keys yet.").waitFor();
		await kit.ctx.close();
	});

	it("plays A's reel framed by another site (another origin) from the iframe its oEmbed gives", { timeout: 60_000 }, async () => {
		const pageUrl = `${stack.baseUrl}/reel/${reelId}`;
		// A person copies the embed code from the reel's Share sheet.
		const viewer = await newVisitorContext(browser, { viewport: { width: 430, height: 860 } });
		onTestFinished(() => viewer.close());
		const reelPage = watchConsole(await viewer.newPage());
		await reelPage.goto(pageUrl);
		await reelPage.locator(`[data-reel-id="${reelId}"]`).getByRole("button", { name: "Share" }).click();
		const code = await reelPage.getByLabel("Embed on your site").inputValue();
		expect(code).toContain(`src="${stack.baseUrl}/embed/${reelId}"`);
		await shot(reelPage, "share-sheet-phone");
		// A site that unfurls links finds oEmbed on the reel's page, and asks it for an iframe of its width.
		const shell = await (await fetch(pageUrl)).text();
		const discovered = /<link rel="alternate" type="application\/json\+oembed" href="([^"]+)"/.exec(shell)?.[1]?.replaceAll("&amp;", "&");
		expect(discovered).toBeDefined();
		const res = await fetch(`${discovered}&maxwidth=270`);
		expect(res.status).toBe(200);
		const oembed = (await res.json()) as { html: string; width: number; height: number };
		expect(oembed.width).toBe(270);
		// The other site: this machine by another name (localhost, not 127.0.0.1), on a port of its own.
		const iframe = oembed.html.replace(/src="([^"]+)"/, (_m, src: string) => `src="${src}?autoplay=1"`);
		const site = createServer((_req, out) => {
			out.writeHead(200, { "content-type": "text/html; charset=utf-8" });
			out.end(
				`<!doctype html><html lang="en"><head><title>A blog</title></head><body><h1>A blog post with a reel</h1>${iframe}</body></html>`,
			);
		});
		await new Promise<void>((done) => site.listen(0, "127.0.0.1", done));
		onTestFinished(() => new Promise<void>((done) => site.close(() => done())));
		const ctx = await newVisitorContext(browser, { viewport: { width: 430, height: 860 } });
		onTestFinished(() => ctx.close());
		const page = watchConsole(await ctx.newPage());
		await page.goto(`http://localhost:${(site.address() as AddressInfo).port}/`);
		await expect.poll(() => page.frames().some((f) => f.url().includes(`/embed/${reelId}`)), POLL).toBe(true);
		const embed = page.frames().find((f) => f.url().includes(`/embed/${reelId}`)) as Frame;
		// Playing: frames are moving in the other origin's page.
		await embed.waitForFunction(
			() => {
				const v = document.querySelector("video");
				return v !== null && !v.paused && v.currentTime > 0.2;
			},
			null,
			{ timeout: 30_000 },
		);
		expect(await embed.locator("a#watch").getAttribute("href")).toBe(pageUrl);
		await shot(page, "embed-in-another-site");
	});

	it("offers a video too long for a reel to be trimmed to fit, and posts the part chosen", { timeout: 150_000 }, async () => {
		const { page } = await signUp("Tam");
		await page.goto(`${stack.baseUrl}/upload`);
		// 3:05: longer than a reel may be (3 minutes), within what is kept to be trimmed (10).
		const long = makeClip(media, { size: "180x320", seconds: 185, rate: 5, name: "web-too-long.mp4" });
		await page.setInputFiles("input[type=file]", long.path);
		await page.getByText("This video is 3:05 long; a reel lasts at most 3:00.", { exact: false }).waitFor({ timeout: 60_000 });
		const trim = page.locator("[data-trim]");
		// It starts on the first three minutes, already a part that can be posted.
		await trim.getByText("Keeps 0:00.0 to 3:00.0 (180.0 s).", { exact: false }).waitFor();
		expect(await page.getByRole("button", { name: "Post this part" }).isEnabled()).toBe(true);
		// The end moved to the last second drags the start along; then the start, for the last 3 s.
		await trim.getByLabel("End").fill("185");
		await trim.getByText("Keeps 0:05.0 to 3:05.0 (180.0 s).", { exact: false }).waitFor();
		await trim.getByLabel("Start").fill("182");
		await trim.getByText("Keeps 3:02.0 to 3:05.0 (3.0 s).", { exact: false }).waitFor();
		await page.getByLabel("Who can see it").selectOption("private");
		await shot(page, "upload-too-long");
		await page.getByRole("button", { name: "Post this part" }).click();
		await page.getByRole("link", { name: "See your reel" }).click();
		await page.waitForURL(/\/reel\//);
		// The reel is that part alone, cut from the kept original once posted: the author reloads its page
		// until the clip is made, and then it plays 3 s.
		const duration = async () => {
			await page.reload();
			const video = page.locator("article video").first();
			await video.waitFor({ state: "attached" });
			// Its length once the player has read it (NaN while the clip is still being made, or after 5 s).
			return video.evaluate(
				(v: HTMLVideoElement) =>
					new Promise<number>((done) => {
						if (Number.isFinite(v.duration)) return done(v.duration);
						v.addEventListener("durationchange", () => Number.isFinite(v.duration) && done(v.duration));
						setTimeout(() => done(Number.NaN), 5_000);
					}),
			);
		};
		await expect.poll(async () => Math.abs((await duration()) - 3) < 0.25, { timeout: 90_000 }).toBe(true);
	});

	it("moves an account to a new address only once the link mailed there is followed, and warns the old address", {
		timeout: 60_000,
	}, async () => {
		const mo = await signUp("Mo");
		const page = mo.page;
		await page.getByRole("link", { name: "Settings" }).click();
		const next = `mo-new-${crypto.randomUUID().slice(0, 8)}@example.test`;
		const form = page.getByRole("form", { name: "Change your email" });
		await form.getByLabel("New email").fill(next);
		await form.getByLabel("Your password").fill(PASSWORD);
		await form.getByRole("button", { name: "Change email" }).click();
		await page.getByRole("status").getByText(`Follow the link we mailed to ${next}`).waitFor();
		const mailTo = async (to: string, subject: RegExp) =>
			waitFor(`"${subject.source}" to ${to}`, async () => {
				const mails = (await (await fetch(`${stack.mailUrl}/messages?to=${encodeURIComponent(to)}`)).json()) as CaughtMail[];
				return mails.find((m) => subject.test(m.subject));
			});
		// The old address hears of it, with a way to stop it (a password reset).
		const warning = await mailTo(mo.email, /^Your reels-edge email is about to change/);
		expect(warning.links.some((l) => new URL(l).pathname === "/forgot-password")).toBe(true);
		// Nothing moved yet: the account's address is still the old one (as the replica has it; the
		// API's own tests read the primary: email-routes.test.ts).
		await page.reload();
		await page.getByRole("heading", { name: "Email" }).waitFor();
		expect(await page.getByText(mo.email, { exact: true }).count()).toBe(1);
		// Followed from the new address's mail, in this signed-in browser: the link's path and token on
		// the origin this session lives on (the mail's origin is the stack's APP_ORIGIN, another host name).
		const confirm = await mailTo(next, /^Confirm your new email/);
		const mailed = confirm.links.map((l) => new URL(l)).find((u) => u.pathname === "/verify-email");
		expect(mailed?.hash).toMatch(/^#token=/);
		const link = `${stack.baseUrl}${mailed?.pathname}${mailed?.hash}`;
		await page.goto(link);
		await page.getByRole("button", { name: "Confirm my email" }).click();
		await page.getByText("is verified").waitFor();
		expect(await page.locator("strong", { hasText: next }).count()).toBe(1);
		// The same link is spent. (This page's refused call is the point: its console is not watched.)
		const again = await newVisitorContext(browser, { viewport: { width: 390, height: 844 } });
		const other = await again.newPage();
		await other.goto(link);
		await other.getByRole("button", { name: "Confirm my email" }).click();
		await other.getByRole("alert").getByText("This link was already used").waitFor();
		await again.close();
		// Settings shows the new address, verified (read from the replica: polled for a moment).
		await expect
			.poll(async () => {
				await page.goto(`${stack.baseUrl}/settings`);
				await page.getByRole("heading", { name: "Email" }).waitFor();
				return (await page.getByText(next, { exact: true }).count()) + (await page.getByText("Verified", { exact: true }).count());
			}, POLL)
			.toBe(2);
		// And the old one is no longer the account's.
		expect(await page.getByText(mo.email, { exact: true }).count()).toBe(0);
		await mo.ctx.close();
	});

	it("verifies the address from the mailed link, and resets a forgotten password from another, at a phone's and a desk's size", {
		timeout: 90_000,
	}, async () => {
		const vera = await signUp("Vera");
		const page = vera.page;
		await page.getByRole("link", { name: "Settings" }).click();
		await page.getByText("Not verified").waitFor();
		await shot(page, "settings-unverified");
		// The link as mailed (its origin is the stack's APP_ORIGIN), opened in a browser with no session:
		// mail is often read on another device.
		const mailed = async (subject: RegExp, path: string | RegExp) =>
			waitFor(`"${subject.source}" to ${vera.email}`, async () => {
				const mails = (await (await fetch(`${stack.mailUrl}/messages?to=${encodeURIComponent(vera.email)}`)).json()) as CaughtMail[];
				return mails
					.filter((m) => subject.test(m.subject))
					.flatMap((m) => m.links)
					.findLast((l) => (typeof path === "string" ? new URL(l).pathname === path : path.test(new URL(l).pathname)));
			});
		const elsewhere = await newVisitorContext(browser, { viewport: { width: 390, height: 844 }, bypassCSP: true });
		const phone = watchConsole(await elsewhere.newPage());
		await phone.goto(await mailed(/^Confirm your email/, "/verify-email"));
		// Nothing is confirmed by opening the link (mail scanners open links): by the button.
		await phone.getByRole("button", { name: "Confirm my email" }).click();
		await phone.getByText("is verified").waitFor();
		// The token left the address bar once read.
		expect(new URL(phone.url()).hash).toBe("");
		await shot(phone, "verify-email-phone");
		// The first browser did not make that write, so its read may come from the replica a moment behind.
		await expect
			.poll(async () => {
				await page.reload();
				await page.getByRole("heading", { name: "Email" }).waitFor();
				return page.getByText("Verified", { exact: true }).count();
			}, POLL)
			.toBe(1);

		// Forgot the password: ask from the sign-in page, follow the mailed link, sign in with the new one.
		await phone.goto(`${stack.baseUrl}/signin`);
		await phone.getByRole("link", { name: "Forgot your password?" }).click();
		await phone.getByLabel("Email").fill(vera.email);
		expect(await axeViolations(phone), "forgot password page").toEqual([]);
		await phone.getByRole("button", { name: "Mail me a link" }).click();
		await phone.getByText("If an account uses this address").waitFor();
		await shot(phone, "forgot-password-phone");
		await phone.goto(await mailed(/Reset your reels-edge password/, "/reset-password"));
		await phone.getByLabel("New password", { exact: true }).fill("a reset web pass 3");
		await phone.getByLabel("The same again").fill("a reset web pass 3");
		for (const [size, viewport] of [
			["phone", { width: 390, height: 844 }],
			["desktop", DESK],
		] as const) {
			await phone.setViewportSize(viewport);
			expect(await phone.evaluate(() => document.documentElement.scrollWidth), size).toBeLessThanOrEqual(viewport.width);
			await shot(phone, `reset-password-${size}`);
		}
		// The first browser's session is about to end: closed now, so its next call (a 401) is not counted as the page's error.
		await vera.ctx.close();
		await phone.getByRole("button", { name: "Set password" }).click();
		await phone.getByText("every device was signed out").waitFor();
		await phone.getByRole("button", { name: "Sign in" }).click();
		await phone.getByLabel("Email").fill(vera.email);
		await phone.getByLabel("Password").fill("a reset web pass 3");
		await phone.getByRole("button", { name: "Sign in" }).click();
		await phone.getByRole("link", { name: "Your profile" }).first().waitFor();

		// Takes its data: asked in Settings, prepared by the queue, downloaded from the list. (Signed in on
		// the mailed link's origin, the stack's APP_ORIGIN, so Settings is asked there.)
		const signedInAt = new URL(phone.url()).origin;
		await phone.goto(`${signedInAt}/settings`);
		const exporting = phone.getByRole("form", { name: "Export your data" });
		await exporting.getByLabel("Your password").fill("a reset web pass 3");
		await exporting.getByRole("button", { name: "Export my data" }).click();
		// Ready in the list (the page reads it again on EXPORT_READY), its link in the mail only.
		await phone.getByRole("list", { name: "Your data exports" }).getByText(/Ready/).waitFor({ timeout: 30_000 });
		const href = new URL(await mailed(/Your reels-edge data is ready/, /^\/api\/exports\//));
		const archive = await fetch(`${stack.baseUrl}${href.pathname}${href.search}`);
		expect(archive.status).toBe(200);
		expect(archive.headers.get("content-type")).toBe("application/x-tar");
		await shot(phone, "settings-export-ready");

		// Chooses how to hear of likes; the choice is kept.
		const likes = phone.getByRole("region", { name: "Notifications" }).getByLabel("A like");
		await likes.selectOption("both");
		await expect
			.poll(async () => {
				await phone.reload();
				return phone.getByRole("region", { name: "Notifications" }).getByLabel("A like").inputValue();
			}, POLL)
			.toBe("both");
		await phone.setViewportSize(DESK);
		await phone.getByRole("heading", { name: "Notifications" }).scrollIntoViewIfNeeded();
		await shot(phone, "settings-notifications-desktop");
		await phone.setViewportSize({ width: 390, height: 844 });

		// And deletes the account from Settings: signed out, the profile gone for everyone.
		const deletion = phone.getByRole("form", { name: "Delete your account" });
		await deletion.getByLabel("Your password").fill("a reset web pass 3");
		await deletion.getByLabel("Type delete to confirm").fill("delete");
		await shot(phone, "settings-delete-account");
		await deletion.getByRole("button", { name: "Delete my account" }).click();
		await phone.getByRole("heading", { name: "Your account is deleted" }).waitFor();
		await phone.getByRole("link", { name: "Sign in" }).first().waitFor();
		// Read as a stranger, from the replica a moment behind at most.
		await expect.poll(async () => (await fetch(`${stack.baseUrl}/api/users/${vera.id}`)).status, POLL).toBe(404);
		await elsewhere.close();
	});

	it("shows a caption file's cues under the reel, toggled by CC; hls.js and dash.js find the track in the reel's manifests", {
		timeout: 120_000,
	}, async () => {
		const a = people[0] as (typeof people)[0];
		await a.page.goto(`${stack.baseUrl}/upload`);
		await a.page.setInputFiles("input[type=file]", makeClip(media, { size: "360x640", seconds: 4, name: "web-captions.mp4" }).path);
		await a.page.getByText("Your video is ready.").waitFor({ timeout: 60_000 });
		// Unlisted: no list shows it, so the other journeys' feeds stay as they were.
		await a.page.getByLabel("Who can see it").selectOption("unlisted");
		// (A file with a mistake is answered with its line, and nothing posted: the API's tests prove it, since the
		// 422 would be a console error here.)
		await a.page.setInputFiles('input[name="subtitles"]', {
			name: "words.srt",
			mimeType: "application/x-subrip",
			buffer: Buffer.from("1\n00:00:00,000 --> 00:00:04,000\nHello from the captions\n"),
		});
		await a.page.getByLabel("Language of the subtitles").selectOption("en");
		await shot(a.page, "upload-subtitles");
		await a.page.getByRole("button", { name: "Post", exact: true }).click();
		await a.page.getByRole("link", { name: "See your reel" }).click();
		await a.page.waitForURL(/\/reel\/[0-9a-f-]{36}$/);
		const captionedId = a.page.url().split("/reel/")[1] as string;

		// The reel starts muted, so its captions show at once; CC turns them off.
		const video = a.page.locator("article video").first();
		const shownCues = () =>
			video.evaluate((v: HTMLVideoElement) =>
				Array.from(v.textTracks)
					.filter((t) => t.mode === "showing")
					.map((t) => Array.from(t.activeCues ?? [], (c) => (c as VTTCue).text).join("|"))
					.join("/"),
			);
		await expect.poll(shownCues, POLL).toBe("Hello from the captions");
		await shot(a.page, "reel-captions");
		const cc = a.page.getByRole("button", { name: "Subtitles" }).first();
		expect(await cc.getAttribute("aria-pressed")).toBe("true");
		await cc.click();
		await expect.poll(shownCues, POLL).toBe("");
		expect(await cc.getAttribute("aria-pressed")).toBe("false");

		// Players that read the manifests (not the app's <track>): hls.js (its full build: the app's light one
		// has no subtitles) from the HLS master's SUBTITLES group, dash.js from the MPD's text AdaptationSet.
		const reel = (await a.page.evaluate(async (id) => (await fetch(`/api/reels/${id}`)).json(), captionedId)) as {
			video: { hls: string; dash: string };
		};
		expect(reel.video.hls).toMatch(/\/cdn\/s\/.*master-cc\d+\.m3u8$/);
		const players = await manifestPlayers(a.ctx, reel.video);
		const cuesOf = players.cuesOf;
		await expect.poll(() => cuesOf("hls"), { timeout: 30_000 }).toBe("Hello from the captions");
		await expect.poll(() => cuesOf("dash"), { timeout: 30_000 }).toBe("Hello from the captions");
		await players.close();
	});

	it("shows the subtitles made from what a clip says in hls.js and dash.js, and to be corrected before posting; the correction becomes the creator's own track", {
		timeout: 120_000,
	}, async () => {
		// Someone new: an unverified account posts three reels at most, and A has posted theirs.
		const a = await signUp("Sayer");
		onTestFinished(() => a.ctx.close());
		await a.page.goto(`${stack.baseUrl}/upload`);
		const clip = makeSpeechClip(media, "web-speech", ["The quick brown fox jumps over the lazy dog."]);

		// Posted as it was made: hls.js and dash.js show the generated track's cues from the reel's manifests.
		await a.page.setInputFiles("input[type=file]", clip.path);
		await a.page.getByText("Your video is ready.").waitFor({ timeout: 60_000 });
		await a.page.getByLabel("Who can see it").selectOption("unlisted");
		await a.page.getByRole("group", { name: "Subtitles made from what it says" }).getByRole("textbox").first().waitFor();
		await a.page.getByRole("button", { name: "Post", exact: true }).click();
		await a.page.getByText("Posted.").waitFor();
		await a.page.getByRole("link", { name: "See your reel" }).click();
		await a.page.waitForURL(/\/reel\/[0-9a-f-]{36}$/);
		const generated = await a.page.evaluate(async (id) => {
			const reel = (await (await fetch(`/api/reels/${id}`)).json()) as {
				video: { hls: string; dash: string; captions: { generated: boolean; url: string }[] };
			};
			const [only] = reel.video.captions;
			return {
				hls: reel.video.hls,
				dash: reel.video.dash,
				generated: only?.generated,
				vtt: only ? await (await fetch(only.url)).text() : "",
			};
		}, a.page.url().split("/reel/")[1] as string);
		expect(generated.generated).toBe(true);
		const heard = [...generated.vtt.matchAll(/-->[^\n]*\n([^\n]+)/g)].map((m) => m[1] as string);
		expect(heard.length).toBeGreaterThan(0);
		const players = await manifestPlayers(a.ctx, generated);
		// Whichever cue is on screen when asked (the players loop the clip): one the recogniser wrote.
		await expect.poll(async () => heard.includes(await players.cuesOf("hls")), { timeout: 30_000 }).toBe(true);
		await expect.poll(async () => heard.includes(await players.cuesOf("dash")), { timeout: 30_000 }).toBe(true);
		await players.close();

		// Corrected before posting: the correction becomes the creator's own track.
		await a.page.goto(`${stack.baseUrl}/upload`);
		await a.page.setInputFiles("input[type=file]", clip.path);
		await a.page.getByText("Your video is ready.").waitFor({ timeout: 60_000 });
		await a.page.getByLabel("Who can see it").selectOption("unlisted");
		// The words the recogniser heard, cue by cue, each in a field to correct.
		const first = a.page.getByRole("group", { name: "Subtitles made from what it says" }).getByRole("textbox").first();
		await first.waitFor();
		expect(await first.inputValue()).not.toBe("");
		await first.fill("The quick brown fox, corrected");
		await shot(a.page, "upload-generated-subtitles");
		await a.page.getByRole("button", { name: "Post", exact: true }).click();
		await a.page.getByText("Posted.").waitFor();
		await a.page.getByRole("link", { name: "See your reel" }).click();
		await a.page.waitForURL(/\/reel\/[0-9a-f-]{36}$/);
		const reelId = a.page.url().split("/reel/")[1] as string;
		const track = await a.page.evaluate(async (id) => {
			const reel = (await (await fetch(`/api/reels/${id}`)).json()) as {
				video: { captions: { lang: string; generated: boolean; url: string }[] };
			};
			const [only] = reel.video.captions;
			return only ? { ...only, text: await (await fetch(only.url)).text() } : null;
		}, reelId);
		expect(track).toMatchObject({ lang: "en", generated: false });
		expect(track?.text).toContain("The quick brown fox, corrected");
	});

	it("opens on For You, ranked for the person, beside Following; 'Not interested' in a reel's menu", { timeout: 60_000 }, async () => {
		// Someone new: nothing watched yet, so the ranking has every fresh reel to offer.
		const eve = await signUp("Eve");
		const ranked = eve.page.waitForResponse((r) => r.url().includes("/api/feed/for-you"));
		await eve.page.goto(`${stack.baseUrl}/`);
		const page = (await (await ranked).json()) as { items: { id: string; source: string }[] };
		expect(page.items.length).toBeGreaterThan(1);
		expect(page.items.map((r) => r.source)).toContain("fresh");
		await eve.page.locator('nav[aria-label="Feeds"] a[aria-current="page"]', { hasText: "For You" }).waitFor();
		const first = eve.page.getByRole("feed", { name: "For You" }).locator(`article[data-reel-id="${page.items[0]?.id}"]`);
		await expect
			.poll(() => first.locator("video").evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000 })
			.toBeGreaterThan(0);
		await shot(eve.page, "for-you-phone");
		await first.getByRole("button", { name: "More: report or block" }).click();
		const noted = eve.page.waitForResponse((r) => r.url().endsWith(`/api/reels/${page.items[0]?.id}/not-interested`));
		await eve.page.getByRole("button", { name: "Not interested" }).click();
		expect((await noted).status()).toBe(204);
		await first
			.getByRole("status")
			.filter({ hasText: /^Noted: less like this/ })
			.waitFor();
		// Taken back: the mark goes.
		const undone = eve.page.waitForResponse(
			(r) => r.request().method() === "DELETE" && r.url().includes(`/api/reels/${page.items[0]?.id}/not-interested`),
		);
		await first.getByRole("button", { name: "Undo" }).click();
		expect((await undone).status()).toBe(204);
		await first.getByRole("status").filter({ hasText: "Undone: For You counts it as before." }).waitFor();
		await eve.page.setViewportSize({ width: 1440, height: 900 });
		await shot(eve.page, "for-you-desktop");
		await eve.page.setViewportSize({ width: 430, height: 860 });
		await eve.page.locator('nav[aria-label="Feeds"] a', { hasText: "Following" }).click();
		await eve.page.waitForURL(/\/following$/);
		await eve.page.getByRole("feed", { name: "Following" }).or(eve.page.getByText("No reels yet.")).first().waitFor();
		await eve.ctx.close();
	});

	it("left the console empty on every page it opened, signed in or not", () => {
		expect(consoleErrors).toEqual([]);
	});
});
