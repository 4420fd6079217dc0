import { describe, expect, it } from "vitest";
import { uuidv7 } from "../ids/uuidv7";
import { sessionVerdict, uuidv7Millis } from "./session-gate";

describe("sessionVerdict", () => {
	const now = 1_000_000;
	it("refuses an ended session's tokens until the last of them has expired", () => {
		expect(sessionVerdict({ revokedUntil: now + 1, notBefore: undefined }, now - 5, now)).toBe("revoked");
		expect(sessionVerdict({ revokedUntil: now, notBefore: undefined }, now - 5, now)).toBe("live");
	});

	it("refuses tokens issued before a change to the account, not those issued after", () => {
		expect(sessionVerdict({ revokedUntil: undefined, notBefore: now - 10 }, now - 11, now)).toBe("stale");
		expect(sessionVerdict({ revokedUntil: undefined, notBefore: now - 10 }, now - 10, now)).toBe("live");
	});
});

describe("uuidv7Millis", () => {
	it("reads the creation time a UUIDv7 carries, to the millisecond", () => {
		const before = Date.now();
		const at = uuidv7Millis(uuidv7());
		expect(at).toBeGreaterThanOrEqual(before);
		expect(at).toBeLessThanOrEqual(Date.now());
	});
});
