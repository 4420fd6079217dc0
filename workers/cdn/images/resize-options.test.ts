import { describe, expect, it } from "vitest";
import { isAllowListed, negotiateFormat, normalizeOptions, parseResizeOptions } from "./resize-options";

const code = (text: string) => {
	try {
		parseResizeOptions(text);
		return "ok";
	} catch (err) {
		return (err as { code?: string }).code;
	}
};

describe("resize options", () => {
	it("parses Cloudflare's grammar, with defaults for what is left out", () => {
		expect(parseResizeOptions("width=320,fit=cover,format=auto")).toEqual({
			width: 320,
			fit: "cover",
			gravity: "center",
			format: "auto",
			quality: 85,
			dpr: 1,
		});
		expect(parseResizeOptions("w=100,h=50,q=70,dpr=2,gravity=top,format=webp")).toMatchObject({
			width: 100,
			height: 50,
			quality: 70,
			dpr: 2,
			gravity: "top",
		});
	});

	it("refuses unknown, repeated, malformed and out-of-range options", () => {
		expect(code("width=320,blur=5")).toBe("unknown_resize_option");
		for (const bad of [
			"width=320,width=640",
			"width=0",
			"width=99999",
			"width=12.5",
			"width=abc",
			"fit=stretch",
			"format=gif",
			"quality=33",
			"dpr=4",
			"dpr=1.25",
			"fit=cover",
			"width",
			"width=1=2",
			"width=4096,dpr=2",
			"",
		]) {
			expect(code(bad), bad).toBe("invalid_resize_options");
		}
	});

	it("normalises spellings and dpr so equivalent requests share one cache entry", () => {
		expect(normalizeOptions(parseResizeOptions("w=160,dpr=2"))).toBe(normalizeOptions(parseResizeOptions("format=auto,width=320")));
	});

	it("allow-lists common sizes only (after dpr)", () => {
		expect(isAllowListed(parseResizeOptions("width=320"))).toBe(true);
		expect(isAllowListed(parseResizeOptions("width=160,dpr=2"))).toBe(true);
		expect(isAllowListed(parseResizeOptions("width=321"))).toBe(false);
		expect(isAllowListed(parseResizeOptions("width=320,height=333"))).toBe(false);
	});

	it("negotiates AVIF, then WebP, then JPEG for format=auto", () => {
		expect(negotiateFormat("auto", "image/avif,image/webp,*/*")).toBe("avif");
		expect(negotiateFormat("auto", "image/webp,*/*")).toBe("webp");
		expect(negotiateFormat("auto", "*/*")).toBe("jpeg");
		expect(negotiateFormat("png", "image/avif")).toBe("png");
	});
});
