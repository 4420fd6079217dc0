import { describe, expect, it } from "vitest";
import { compareLsn, LsnSchema } from "./consistency-token";

describe("consistency tokens", () => {
	it("accepts WAL positions and rejects anything else", () => {
		expect(LsnSchema.safeParse("0/16B3748").success).toBe(true);
		expect(LsnSchema.safeParse("1F/0").success).toBe(true);
		for (const bad of ["", "0", "0/", "/1", "0/1; DROP TABLE users", "G/1", "123456789/1", "0/16B3748 "]) {
			expect(LsnSchema.safeParse(bad).success, bad).toBe(false);
		}
	});

	it("orders LSNs numerically across the high and low words", () => {
		expect(compareLsn("0/A", "0/9")).toBe(1);
		expect(compareLsn("1/0", "0/FFFFFFFF")).toBe(1);
		expect(compareLsn("0/16B3748", "0/16B3748")).toBe(0);
		expect(compareLsn("0/16B3747", "0/16B3748")).toBe(-1);
	});
});
