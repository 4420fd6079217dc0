import { describe, expect, it } from "vitest";
import { uuidv7 } from "./uuidv7";

describe("uuidv7", () => {
	it("is a version-7, RFC variant UUID that encodes the time", () => {
		const id = uuidv7(0x0190f1c46f1a);
		expect(id).toMatch(/^0190f1c4-6f1a-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
	});

	it("sorts by creation time", () => {
		const ids = [uuidv7(1000), uuidv7(2000), uuidv7(3000)];
		expect([...ids].sort()).toEqual(ids);
	});
});
