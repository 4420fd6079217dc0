import { describe, expect, it } from "vitest";
import { GateFull, IsolateGate } from "./isolate-gate";

const deferred = () => {
	let resolve!: () => void;
	const promise = new Promise<void>((r) => {
		resolve = r;
	});
	return { promise, resolve };
};

describe("IsolateGate", () => {
	it("works on at most `limit` at once and lets the others in first come, first served", async () => {
		const gate = new IsolateGate(2, 10);
		const started: number[] = [];
		const finish = Array.from({ length: 5 }, deferred);
		const runs = finish.map((f, i) =>
			gate.run(async () => {
				started.push(i);
				await f.promise;
				return i;
			}),
		);
		await Promise.resolve();
		expect(started).toEqual([0, 1]);
		expect([gate.inFlight, gate.queued]).toEqual([2, 3]);
		finish[1]?.resolve();
		await runs[1];
		await Promise.resolve();
		expect(started).toEqual([0, 1, 2]);
		for (const f of finish) f.resolve();
		expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
		expect(started).toEqual([0, 1, 2, 3, 4]);
		expect([gate.inFlight, gate.queued]).toEqual([0, 0]);
	});

	it("refuses at once when the queue is full, and frees a place when the work throws", async () => {
		const gate = new IsolateGate(1, 1);
		const hold = deferred();
		const first = gate.run(() => hold.promise);
		const second = gate.run(async () => "second");
		await expect(gate.run(async () => "third")).rejects.toBeInstanceOf(GateFull);
		hold.resolve();
		await first;
		expect(await second).toBe("second");
		await expect(gate.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
		expect(await gate.run(async () => "after")).toBe("after");
		expect(gate.inFlight).toBe(0);
	});
});
