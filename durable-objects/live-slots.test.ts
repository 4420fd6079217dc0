import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const limits = { platform: 2, perAccount: 1, perAddress: 5 };
// An object of its own per test: the platform's real one ("global") is shared by every test file.
const fresh = () => env.LIVE_SLOTS.getByName(`test-${crypto.randomUUID()}`);

describe("LiveSlots", () => {
	it("gives out no more slots than the platform's cap, even to publishers arriving at once", async () => {
		const slots = fresh();
		const wants = Array.from({ length: 10 }, (_, i) => ({ streamId: `s${i}`, ownerId: `u${i}`, address: `ip${i}` }));
		const decisions = await Promise.all(wants.map((w) => slots.acquire(w, limits)));
		expect(decisions.filter((d) => d.ok)).toHaveLength(2);
		expect(decisions.filter((d) => !d.ok).map((d) => (d.ok ? null : d.refused))).toEqual(Array(8).fill("platform"));
		expect(await slots.held()).toBe(2);
	});

	it("frees a slot when its stream releases it", async () => {
		const slots = fresh();
		expect(await slots.acquire({ streamId: "a", ownerId: "u1", address: "ip" }, limits)).toEqual({ ok: true });
		expect(await slots.acquire({ streamId: "b", ownerId: "u1", address: "ip" }, limits)).toEqual({ ok: false, refused: "account" });
		await slots.release("a");
		expect(await slots.acquire({ streamId: "b", ownerId: "u1", address: "ip" }, limits)).toEqual({ ok: true });
	});
});
