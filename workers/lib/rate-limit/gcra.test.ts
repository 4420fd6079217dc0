import { describe, expect, it } from "vitest";
import { gcra } from "./gcra";

const hourly = (limit: number) => ({ limit, periodSeconds: 3600 });

function run(limit: number, times: number, now = 0) {
	let tat: number | undefined;
	const out = [];
	for (let i = 0; i < times; i++) {
		const d = gcra(hourly(limit), tat, now);
		tat = d.tatMs;
		out.push(d);
	}
	return { out, tat };
}

describe("gcra", () => {
	it("allows a burst of exactly the quota, counting remaining down to zero", () => {
		const { out } = run(3, 4);
		expect(out.map((d) => d.allowed)).toEqual([true, true, true, false]);
		expect(out.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
	});

	it("says when the next request will be allowed: one emission interval after the burst", () => {
		const { out } = run(100, 101);
		expect(out[100]).toMatchObject({ allowed: false, retryAfterSeconds: 36 });
	});

	it("refills steadily: one request per interval after the wait", () => {
		const { tat } = run(4, 4);
		expect(gcra(hourly(4), tat, 899_000).allowed).toBe(false);
		expect(gcra(hourly(4), tat, 900_000).allowed).toBe(true);
	});

	it("forgets old use: a key idle for a whole period has its full quota", () => {
		const { tat } = run(5, 5);
		expect(gcra(hourly(5), tat, 3_600_000)).toMatchObject({ allowed: true, remaining: 4 });
	});
});
