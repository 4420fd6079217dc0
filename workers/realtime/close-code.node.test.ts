import { describe, expect, it } from "vitest";
import { closeCodeFor } from "./close-code";

describe("closeCodeFor", () => {
	it("echoes codes a server may send and answers reserved or invalid ones with 1000", () => {
		expect([1000, 3000, 4001, 4999].map(closeCodeFor)).toEqual([1000, 3000, 4001, 4999]);
		expect([1001, 1005, 1006, 1015, 2999, 5000, 0].map(closeCodeFor)).toEqual([1000, 1000, 1000, 1000, 1000, 1000, 1000]);
	});
});
