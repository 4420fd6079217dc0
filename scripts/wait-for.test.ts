import { describe, expect, it } from "vitest";
import { waitFor } from "./wait-for.ts";

describe("waitFor", () => {
	it("answers with the first answer that is there, asking again until then", async () => {
		let asked = 0;
		expect(await waitFor("the third answer", () => (++asked === 3 ? "yes" : undefined), { everyMs: 1 })).toBe("yes");
		expect(asked).toBe(3);
		// 0 and "" are answers; false and null are not.
		expect(await waitFor("zero", () => 0)).toBe(0);
	});

	it("times out naming what it waited for and why, and lets a probe's error through unless told not to", async () => {
		await expect(waitFor("never", () => false, { timeoutMs: 20, everyMs: 5, explain: () => "the last status" })).rejects.toThrow(
			/timed out waiting for never\nthe last status/,
		);
		await expect(waitFor("a broken probe", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
		await expect(
			waitFor("a server", () => Promise.reject(new Error("ECONNREFUSED")), { timeoutMs: 20, everyMs: 5, ignoreErrors: true }),
		).rejects.toThrow(/timed out waiting for a server\nlast error: ECONNREFUSED/);
	});
});
