import { describe, expect, it } from "vitest";
import { answerSubprotocol, offeredSubprotocols, upgradeForObject } from "./websocket-subprotocols";

const upgrade = (protocols?: string, extra: Record<string, string> = {}) =>
	new Request("https://example.test/ws", {
		headers: { upgrade: "websocket", ...(protocols ? { "sec-websocket-protocol": protocols } : {}), ...extra },
	});

describe("WebSocket subprotocols", () => {
	it("reads the offered subprotocols in order, trimmed, none when there is no header", () => {
		expect(offeredSubprotocols(upgrade(" bearer ,eyJ.token , "))).toEqual(["bearer", "eyJ.token"]);
		expect(offeredSubprotocols(upgrade())).toEqual([]);
	});

	it("hands an object the checked identity and the subprotocols, and none of the client's own headers", () => {
		const headers = upgradeForObject(
			upgrade("key.abc", { "x-reels-shard-connect": '{"userId":"forged"}', cookie: "a=b" }),
			"x-reels-shard-connect",
			{ userId: "checked" },
		);
		expect(Object.fromEntries(headers)).toEqual({
			upgrade: "websocket",
			"x-reels-shard-connect": '{"userId":"checked"}',
			"sec-websocket-protocol": "key.abc",
		});
	});

	it("answers with the first offered subprotocol it accepts, and with none when it accepts none", () => {
		expect(answerSubprotocol(upgrade("bearer, eyJ.token"), (p) => p === "bearer").get("sec-websocket-protocol")).toBe("bearer");
		expect(answerSubprotocol(upgrade("json, key.k1"), (p) => p.startsWith("key.")).get("sec-websocket-protocol")).toBe("key.k1");
		expect(answerSubprotocol(upgrade("json"), (p) => p === "bearer").has("sec-websocket-protocol")).toBe(false);
	});
});
