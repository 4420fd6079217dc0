import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { UserGate } from "./user-gate";

const fresh = () => env.USER_GATE.getByName(crypto.randomUUID());
const HOUR = 3600_000;
const sid = () => crypto.randomUUID();

/** What storage holds, and the admit a new instance (an eviction, a deploy) would answer, read from it alone. */
async function afterEviction(gate: DurableObjectStub<UserGate>) {
	return runInDurableObject(gate, async (instance: UserGate, state) => {
		const keys = [...(await state.storage.list()).keys()];
		Object.assign(instance, { revoked: new Map(), notBefore: undefined, changed: undefined, tats: new Map(), storedTats: new Set() });
		await (instance as unknown as { load(): Promise<void> }).load();
		return { keys, alarm: await state.storage.getAlarm() };
	});
}

describe("UserGate", () => {
	it("admits a live session and takes a light quota with no storage at all", async () => {
		const gate = fresh();
		// 5 s a take: a slow machine's pause between them (under 5 s) cannot change the count.
		const quota = { limit: 720, periodSeconds: 3600 };
		const s = sid();
		for (let i = 0; i < 5; i++)
			expect(await gate.admit(s, Date.now(), quota)).toMatchObject({ session: "live", decision: { allowed: true } });
		expect((await gate.admit(s, Date.now(), quota)).decision?.remaining).toBe(720 - 6);
		expect(await afterEviction(gate)).toEqual({ keys: [], alarm: null });
	});

	it("keeps what ends sessions and changes roles through an eviction, and refuses at once", async () => {
		const gate = fresh();
		const ended = sid();
		const issued = Date.now() - 1000;
		await gate.revokeSession(ended, Date.now() + HOUR);
		await gate.setRole("admin", Date.now(), Date.now() + HOUR);
		expect(await gate.admit(ended, issued, null)).toMatchObject({ session: "revoked" });
		expect(await gate.admit(sid(), issued, null)).toMatchObject({ session: "live", role: "admin" });

		const { keys, alarm } = await afterEviction(gate);
		expect(keys.sort()).toEqual([`revoked:${ended}`, "role"]);
		expect(alarm).toBeGreaterThan(Date.now());
		expect(await gate.admit(ended, issued, null)).toMatchObject({ session: "revoked" });
		expect(await gate.admit(sid(), issued, null)).toMatchObject({ session: "live", role: "admin" });

		await gate.refuseTokensBefore(Date.now(), Date.now() + HOUR);
		await afterEviction(gate);
		expect(await gate.admit(sid(), issued, null)).toMatchObject({ session: "stale" });
	});

	it("stores a quota once its backlog passes a minute, and stays exact across instances", async () => {
		const gate = fresh();
		// 10 an hour: one take is 6 minutes of backlog.
		const quota = { limit: 10, periodSeconds: 3600 };
		const s = sid();
		await gate.admit(s, Date.now(), quota);
		await gate.admit(s, Date.now(), quota);
		const { keys } = await afterEviction(gate);
		expect(keys).toEqual(["tat"]);
		// A third take leaves 7: the two before it survived the eviction.
		expect((await gate.admit(s, Date.now(), quota)).decision?.remaining).toBe(7);
	});

	it("counts a quota exactly under concurrency", async () => {
		const gate = fresh();
		const s = sid();
		const decisions = await Promise.all(Array.from({ length: 30 }, () => gate.admit(s, Date.now(), { limit: 5, periodSeconds: 3600 })));
		expect(decisions.filter((d) => d.decision?.allowed)).toHaveLength(5);
	});
});
