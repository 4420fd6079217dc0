import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { pngHeaderOnly, sampleJpeg, samplePng } from "../../test-support/media";
import { declaredSize } from "./image-header";

async function encoded(format: "image/webp" | "image/jpeg" | "image/png", width: number) {
	const out = await env.IMAGES.input(new Blob([sampleJpeg()]).stream())
		.transform({ width })
		.output({ format });
	return new Uint8Array(await out.response().arrayBuffer());
}

describe("declaredSize", () => {
	it("reads the size from real PNG, JPEG and WebP headers", async () => {
		expect(declaredSize(samplePng())).toEqual({ width: 64, height: 48 });
		expect(declaredSize(sampleJpeg())).toEqual({ width: 1280, height: 720 });
		for (const format of ["image/webp", "image/jpeg", "image/png"] as const) {
			expect(declaredSize(await encoded(format, 200)), format).toEqual({ width: 200, height: 113 });
		}
	});

	it("reads a GIF's logical screen size (local Images cannot encode GIF, so the header is written here)", () => {
		const gif = new Uint8Array([...new TextEncoder().encode("GIF89a"), 0x2c, 0x01, 0xc8, 0x00, 0, 0, 0]);
		expect(declaredSize(gif)).toEqual({ width: 300, height: 200 });
	});

	it("reports what a bomb declares, and nothing for what is not an image", () => {
		expect(declaredSize(pngHeaderOnly(50_000, 50_000))).toEqual({ width: 50_000, height: 50_000 });
		expect(declaredSize(new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"))).toBeUndefined();
		expect(declaredSize(new Uint8Array([0xff, 0xd8, 0x00]))).toBeUndefined();
	});
});
