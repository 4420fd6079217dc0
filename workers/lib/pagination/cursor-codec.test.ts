import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { cursorCodec, idCursor, limitParam, timeIdCursor } from "./cursor-codec";

const b64 = (text: string) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const refused = (fn: () => unknown) => expect(fn).toThrow(expect.objectContaining({ status: 400, code: "invalid_cursor" }));

describe("cursor codecs", () => {
	it("round-trips what it encodes", () => {
		const id = crypto.randomUUID();
		expect(idCursor.decode(idCursor.encode(id))).toBe(id);
		const at = { t: "2026-11-23T10:00:00.123456Z", i: id };
		expect(timeIdCursor.decode(timeIdCursor.encode(at))).toEqual(at);
	});

	it("refuses forged, truncated and out-of-range cursors with 400 invalid_cursor", () => {
		refused(() => idCursor.decode("not base64 !"));
		refused(() => idCursor.decode(b64('"not-a-uuid"')));
		refused(() => idCursor.decode(b64("\u0000")));
		refused(() => timeIdCursor.decode(b64(JSON.stringify({ t: "0000-01-01T00:00:00Z", i: crypto.randomUUID() }))));
		refused(() => timeIdCursor.decode(b64(JSON.stringify({ t: "2026-01-01T00:00:00Z", i: crypto.randomUUID(), x: 1 }))));
		const bounded = cursorCodec(z.strictObject({ n: z.number().int().max(2_147_483_647) }));
		refused(() => bounded.decode(b64(JSON.stringify({ n: 2 ** 31 }))));
	});
});

describe("limitParam", () => {
	it("takes plain decimal numbers in range and nothing Number() would also take", () => {
		const limit = limitParam(100);
		expect(limit.parse("16")).toBe(16);
		expect(limit.parse(undefined)).toBe(20);
		for (const bad of ["0x10", "1e2", " 16", "16.0", "0", "101", "-1", ""]) expect(limit.safeParse(bad).success, bad).toBe(false);
	});
});
