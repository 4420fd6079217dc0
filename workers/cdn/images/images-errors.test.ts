import { describe, expect, it } from "vitest";
import { HttpProblem } from "../../lib/problems/http-problem";
import { declaredSize } from "./image-header";
import { imagesProblem } from "./images-errors";

const damaged = () => new HttpProblem(422, "unreadable_image", "damaged");
const imagesError = (code: number) => Object.assign(new Error(`IMAGES_TRANSFORM_ERROR ${code}`), { code });

describe("Images binding failures", () => {
	it("answer 503 images_unavailable (with Retry-After) when the account or the service is at fault, never 'damaged'", () => {
		for (const code of [9422, 9423, 9432, 9522, 9529]) {
			const p = imagesProblem(imagesError(code), damaged);
			expect([p.status, p.code]).toEqual([503, "images_unavailable"]);
			expect(p.headers?.["Retry-After"]).toBe("60");
		}
	});

	it("answer the caller's own 4xx when the image is at fault, or when the error carries no code", () => {
		for (const err of [imagesError(9412), imagesError(9413), imagesError(9520), imagesError(9523), new Error("decode failed")]) {
			expect(imagesProblem(err, damaged).code).toBe("unreadable_image");
		}
	});
});

describe("an AVIF header's size, read without the binding", () => {
	it("is the largest ispe property the header declares", () => {
		const box = (type: string, body: number[]) => {
			const size = 8 + body.length;
			return [0, 0, size >> 8, size & 255, ...[...type].map((c) => c.charCodeAt(0)), ...body];
		};
		const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
		const bytes = new Uint8Array([
			...box("ftyp", [..."avif".split("").map((c) => c.charCodeAt(0)), 0, 0, 0, 0]),
			...box("ispe", [0, 0, 0, 0, ...u32(160), ...u32(90)]),
			...box("ispe", [0, 0, 0, 0, ...u32(4000), ...u32(3000)]),
		]);
		expect(declaredSize(bytes)).toEqual({ width: 4000, height: 3000 });
	});
});
