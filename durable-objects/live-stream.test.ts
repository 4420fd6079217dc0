// The LiveStream object on its own, in the runtime: how it admits a publisher, what a publisher's
// frames and close do to the stream's state, and that an object with nothing to run sets no alarm.
// The whole path (API, transcoder, R2, viewers) is proven in workers/api/live/live-routes.test.ts.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PUBLISHER_CONNECT_HEADER } from "../workers/live/live-chat";
import { LIVE_CLOSE } from "../workers/live/live-close-codes";
import type { LiveIdentity } from "../workers/live/live-store";
import type { StreamState } from "../workers/live/stream-host";
import { openedSocket, until } from "../workers/test-support/sockets";
import type { LiveStream } from "./live-stream";

const fresh = () => {
	const streamId = crypto.randomUUID();
	const who: LiveIdentity = { streamId, ownerId: crypto.randomUUID(), assetId: crypto.randomUUID(), prefix: `2026/12/02/${streamId}/` };
	return { stub: env.LIVE_STREAM.getByName(streamId), who };
};

const publish = (stub: DurableObjectStub<LiveStream>, who: LiveIdentity) =>
	stub.fetch("http://live/ingest", {
		headers: { upgrade: "websocket", [PUBLISHER_CONNECT_HEADER]: JSON.stringify(who), "sec-websocket-protocol": "reels-live, key.abc" },
	});

const stored = (stub: DurableObjectStub<LiveStream>) =>
	runInDurableObject(stub, async (_: LiveStream, state) => ({
		state: await state.storage.get<StreamState>("state"),
		who: await state.storage.get<LiveIdentity>("who"),
		alarm: await state.storage.getAlarm(),
	}));

describe("LiveStream object", () => {
	it("answers only WebSocket upgrades, and a viewer only with its connection metadata", async () => {
		const { stub } = fresh();
		expect((await stub.fetch("http://live/")).status).toBe(426);
		expect((await stub.fetch("http://live/", { headers: { upgrade: "websocket" } })).status).toBe(400);
	});

	it("takes a publisher as session 0, remembers who the stream is, and sets its beat", async () => {
		const { stub, who } = fresh();
		const res = await publish(stub, who);
		expect(res.headers.get("sec-websocket-protocol")).toBe("key.abc");
		openedSocket(res);
		const after = await stored(stub);
		expect(after.who).toEqual(who);
		expect(after.state).toMatchObject({ status: "idle", session: 0, ending: null });
		expect(after.alarm).not.toBeNull();
	});

	it("refuses a second publisher while the first is sending (4409)", async () => {
		const { stub, who } = fresh();
		openedSocket(await publish(stub, who));
		const second = openedSocket(await publish(stub, who));
		await until(() => second.closes.length > 0, "the second publisher's close");
		expect(second.closes[0]?.code).toBe(LIVE_CLOSE.publisherConnected);
		expect((await stored(stub)).state?.session).toBe(0);
	});

	it("closes a publisher that sends text (4400): the stream is binary frames", async () => {
		const { stub, who } = fresh();
		const publisher = openedSocket(await publish(stub, who));
		publisher.ws.send("hello");
		await until(() => publisher.closes.length > 0, "the publisher's close");
		expect(publisher.closes[0]?.code).toBe(LIVE_CLOSE.binaryOnly);
	});

	it("ends the stream when its publisher closes normally, and refuses a publisher once it has ended (4410)", async () => {
		const { stub, who } = fresh();
		const publisher = openedSocket(await publish(stub, who));
		publisher.ws.close(1000, "done");
		await until(() => publisher.closes.length > 0, "the close echoed");
		await expect.poll(async () => (await stored(stub)).state?.ending).toBe("publisher_finished");
		const late = openedSocket(await publish(stub, who));
		await until(() => late.closes.length > 0, "the late publisher's close");
		expect(late.closes[0]?.code).toBe(LIVE_CLOSE.streamEnded);
	});

	it("runs no beat and sets no alarm before any publisher has said which stream it is", async () => {
		const { stub } = fresh();
		// A minute ahead, so the runtime does not run it first: runDurableObjectAlarm runs it now.
		await runInDurableObject(stub, (_: LiveStream, state) => state.storage.setAlarm(Date.now() + 60_000));
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const after = await stored(stub);
		expect(after).toEqual({ state: undefined, who: undefined, alarm: null });
	});
});
