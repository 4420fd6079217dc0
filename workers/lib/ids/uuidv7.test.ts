import { describe, expect, it } from "vitest";
import { isFreshId, uuidv7, uuidv7Time } from "./uuidv7";

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

describe("isFreshId", () => {
	const now = 1_800_000_000_000;
	it("is true for a UUIDv7 minted within the window", () => {
		expect(isFreshId(uuidv7(now - 1_000), 30_000, now)).toBe(true);
		expect(uuidv7Time(uuidv7(now))).toBe(now);
	});

	it("is false for old ids, ids from the future and any other kind of UUID", () => {
		expect(isFreshId(uuidv7(now - 31_000), 30_000, now)).toBe(false);
		expect(isFreshId(uuidv7(now + 60_000), 30_000, now)).toBe(false);
		expect(isFreshId(crypto.randomUUID(), 30_000, now)).toBe(false);
		expect(isFreshId("not-a-uuid", 30_000, now)).toBe(false);
	});
});
