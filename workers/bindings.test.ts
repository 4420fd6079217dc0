// Bindings the foundation declares for later features (Images for /cdn
// resizing): proves the wrangler.toml entry works against the local runtime.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { samplePng } from "./test-support/media";

describe("IMAGES binding", () => {
	it("reads a real PNG's dimensions and resizes it to WebP", async () => {
		const info = await env.IMAGES.info(new Blob([samplePng()]).stream());
		expect(info).toMatchObject({ format: "image/png", width: 64, height: 48 });

		const result = await env.IMAGES.input(new Blob([samplePng()]).stream())
			.transform({ width: 32 })
			.output({ format: "image/webp" });
		const out = new Uint8Array(await result.response().arrayBuffer());
		expect(result.contentType()).toBe("image/webp");
		// RIFF....WEBP
		expect(new TextDecoder().decode(out.slice(8, 12))).toBe("WEBP");
		const resized = await env.IMAGES.info(new Blob([out]).stream());
		expect(resized).toMatchObject({ width: 32, height: 24 });
	});
});
