// The pure parts of the pages: the app shell's CSP kept equal to the static assets' own, the
// oEmbed frame's arithmetic, which URLs name a reel of ours, and escaping.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { headersFor } from "../../scripts/static-headers";
import { escapeHtml } from "../lib/encoding/escape-html";
import { APP_PAGE_CSP } from "../lib/http/page-policies";
import { titleOf } from "./html-text";
import { reelIdOfUrl } from "./page-urls";
import { fitFrame, PORTRAIT } from "./stranger-reel";

const ID = "01a2370e-b4b2-7867-a6d8-a046e29a71a4";

describe("the web app's shell served by the Worker (/reel/:id)", () => {
	it("has the CSP the static assets give every other path of the app", () => {
		const headers = headersFor(readFileSync("web/api-docs/_headers", "utf8"), "/reel/x");
		expect(APP_PAGE_CSP).toBe(headers.get("content-security-policy"));
	});
});

describe("fitFrame", () => {
	it("gives a portrait reel 360 × 640 by default and keeps any picture's shape within the bounds", () => {
		expect(fitFrame(PORTRAIT)).toEqual({ width: 360, height: 640 });
		expect(fitFrame({ width: 1920, height: 1080 })).toEqual({ width: 640, height: 360 });
		expect(fitFrame(PORTRAIT, 180)).toEqual({ width: 180, height: 320 });
		expect(fitFrame(PORTRAIT, undefined, 320)).toEqual({ width: 180, height: 320 });
		expect(fitFrame(PORTRAIT, 100, 100)).toEqual({ width: 56, height: 100 });
		// Never larger than the default, however generous the bounds.
		expect(fitFrame(PORTRAIT, 4000, 4000)).toEqual({ width: 360, height: 640 });
	});
});

describe("reelIdOfUrl", () => {
	const here = "https://reels.example.com/oembed?url=x";
	it("reads the id of a reel's page or embed on this host", () => {
		expect(reelIdOfUrl(here, `https://reels.example.com/reel/${ID}`)).toBe(ID);
		expect(reelIdOfUrl(here, `https://reels.example.com/embed/${ID}?autoplay=1`)).toBe(ID);
		expect(reelIdOfUrl(here, `https://reels.example.com/reel/${ID.toUpperCase()}/`)).toBe(ID);
	});
	it("names nothing on another host, another path or another scheme", () => {
		for (const url of [
			`https://evil.example/reel/${ID}`,
			`https://reels.example.com.evil.example/reel/${ID}`,
			`https://reels.example.com/u/${ID}`,
			`https://reels.example.com/reel/${ID}/comments`,
			"https://reels.example.com/reel/not-an-id",
			`javascript://reels.example.com/reel/${ID}`,
			"not a url",
		]) {
			expect(reelIdOfUrl(here, url), url).toBeUndefined();
		}
	});
});

describe("html text", () => {
	it("escapes every character that could end text or an attribute", () => {
		expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
	});
	it("folds a caption to one line and cuts it with an ellipsis", () => {
		expect(titleOf("  two\n\nlines  ", "fallback")).toBe("two lines");
		expect(titleOf(" \n ", "fallback")).toBe("fallback");
		expect(titleOf("x".repeat(150), "f")).toBe(`${"x".repeat(99)}…`);
	});
});
