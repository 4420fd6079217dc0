// Webhooks from outside, on `npm run dev`'s stack (scripts/dev.ts on ports of its own): two
// endpoints of a Node receiver hear `video.ready` when a real clip is transcoded, with signatures
// the Standard Webhooks library verifies; an endpoint that is down at first gets the same event
// (the same webhook-id) again from the queue's delayed retry, and a replay asked of the API.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevStackProcess, registerOn, startDevStack } from "./dev-stack-process.ts";
import { makeClip } from "./test-media.ts";
import { waitFor } from "./wait-for.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

let stack: DevStackProcess;
let receiver: WebhookReceiver;
let token: string;
const scratch = mkdtempSync(join(tmpdir(), "webhooks-e2e-"));

beforeAll(async () => {
	receiver = await startWebhookReceiver();
	stack = await startDevStack("e2e-webhooks");
	token = (await registerOn(stack.baseUrl, { name: "Hooks" })).accessToken;
}, 150_000);

afterAll(async () => {
	await stack?.stop();
	await receiver?.close();
	rmSync(scratch, { recursive: true, force: true });
});

const call = async (path: string, init: { method?: string; json?: unknown } = {}) =>
	fetch(`${stack.baseUrl}${path}`, {
		method: init.method ?? "GET",
		headers: { authorization: `Bearer ${token}`, ...(init.json ? { "content-type": "application/json" } : {}) },
		body: init.json ? JSON.stringify(init.json) : undefined,
	});

async function register(name: string): Promise<{ id: string; secret: string }> {
	const res = await call("/api/webhooks", { method: "POST", json: { url: `${receiver.url}/hooks/${name}`, events: ["video.ready"] } });
	expect(res.status).toBe(201);
	return (await res.json()) as { id: string; secret: string };
}

describe("webhooks on the local stack", () => {
	it("tells two endpoints a video is ready, signed; retries one that was down with the same webhook-id; replays on request", async () => {
		const [one, two, down] = ["ready-one", "ready-two", "fail-1-ready"];
		const endpoints = { [one]: await register(one), [two]: await register(two), [down]: await register(down) };

		const form = new FormData();
		form.set(
			"file",
			new Blob([new Uint8Array(makeClip(scratch, { size: "360x640", seconds: 2 }).bytes)], { type: "video/mp4" }),
			"hooks.mp4",
		);
		const upload = await fetch(`${stack.baseUrl}/api/videos/upload`, {
			method: "POST",
			body: form,
			headers: { authorization: `Bearer ${token}` },
		});
		expect(upload.status).toBe(202);
		const videoId = ((await upload.json()) as { id: string }).id;

		for (const name of [one, two]) {
			const [got] = await waitFor(`video.ready at ${name}`, () => receiver.received(name).length > 0 && receiver.received(name), {
				timeoutMs: 60_000,
			});
			if (!got) throw new Error("nothing received");
			const event = new Webhook(endpoints[name]?.secret ?? "").verify(got.body, got.headers) as { type: string; data: { id: string } };
			expect(event).toMatchObject({ type: "video.ready", data: { id: videoId } });
		}
		// Down at first (500), then taken when the queue brings the message back (5 s later).
		const tries = await waitFor("the retry", () => receiver.received(down).length >= 2 && receiver.received(down), { timeoutMs: 60_000 });
		expect(tries.slice(0, 2).map((t) => t.status)).toEqual([500, 200]);
		expect(tries[1]?.headers["webhook-id"]).toBe(tries[0]?.headers["webhook-id"]);
		expect(new Webhook(endpoints[down]?.secret ?? "").verify(tries[1]?.body ?? "", tries[1]?.headers ?? {})).toBeTruthy();

		type Listed = { items: { id: string; status: string; attempts: number; attemptLog: { status: number }[] }[] };
		// The record follows the receiver's answer by a moment.
		const listed = await waitFor("the delivery recorded as succeeded", async () => {
			const l = (await (await call(`/api/webhooks/${endpoints[down]?.id}/deliveries`)).json()) as Listed;
			return l.items[0]?.status === "succeeded" && l;
		});
		expect(listed.items[0]).toMatchObject({ status: "succeeded", attempts: 2, attemptLog: [{ status: 500 }, { status: 200 }] });
		const before = receiver.received(down).length;
		const replay = await call(`/api/webhooks/${endpoints[down]?.id}/deliveries/${listed.items[0]?.id}/retry`, { method: "POST" });
		expect(replay.status).toBe(202);
		const all = await waitFor("the replay", () => receiver.received(down).length > before && receiver.received(down), {
			timeoutMs: 30_000,
		});
		expect(all.at(-1)?.headers["webhook-id"]).toBe(tries[0]?.headers["webhook-id"]);
	}, 120_000);
});
