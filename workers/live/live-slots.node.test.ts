import { describe, expect, it } from "vitest";
import { type SlotHolder, slotDecision } from "./live-slots";

const limits = { platform: 3, perAccount: 1, perAddress: 2 };
const holder = (streamId: string, ownerId: string, address: string): SlotHolder => ({ streamId, ownerId, address });

describe("slotDecision", () => {
	it("admits a stream while every limit has room", () => {
		expect(slotDecision([], holder("s1", "a", "ip1"), limits)).toEqual({ ok: true });
		expect(slotDecision([holder("s1", "a", "ip1")], holder("s2", "b", "ip1"), limits)).toEqual({ ok: true });
	});

	it("refuses past the platform's cap first, then the account's, then the address's", () => {
		const full = [holder("s1", "a", "ip1"), holder("s2", "b", "ip2"), holder("s3", "c", "ip3")];
		expect(slotDecision(full, holder("s4", "d", "ip4"), limits)).toEqual({ ok: false, refused: "platform" });
		expect(slotDecision([holder("s1", "a", "ip1")], holder("s2", "a", "ip9"), limits)).toEqual({ ok: false, refused: "account" });
		const twoFromOneAddress = [holder("s1", "a", "ip1"), holder("s2", "b", "ip1")];
		expect(slotDecision(twoFromOneAddress, holder("s3", "c", "ip1"), limits)).toEqual({ ok: false, refused: "address" });
	});

	it("lets a stream that holds a slot reconnect, even when everything is full", () => {
		const full = [holder("s1", "a", "ip1"), holder("s2", "b", "ip2"), holder("s3", "c", "ip3")];
		expect(slotDecision(full, holder("s2", "b", "ip7"), limits)).toEqual({ ok: true });
	});
});
