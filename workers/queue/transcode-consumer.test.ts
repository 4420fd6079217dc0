import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import worker from "../index";
import { mediaDb } from "../lib/media-db/media-db";
import { assets } from "../lib/media-db/schema";
import { seedVideoAsset } from "../test-support/assets";
import { sampleVideo } from "../test-support/media";
import { handleQueue } from ".";
import { backoffSeconds } from "./transcode-consumer";

const assetRow = (id: string) => mediaDb(env).query.assets.findFirst({ where: eq(assets.id, id) });

async function deliver(body: unknown, e: Env = env, attempts = 1) {
	const batch = createMessageBatch("transcode-jobs", [{ id: crypto.randomUUID(), timestamp: new Date(), attempts, body }]);
	const retry = vi.spyOn(batch.messages[0] as Message, "retry");
	const ctx = createExecutionContext();
	await handleQueue(batch, e);
	return { ...(await getQueueResult(batch, ctx)), retryOptions: retry.mock.calls.map((c) => c[0]) };
}

describe("transcode-jobs consumer", () => {
	it("streams the source from R2 to the real transcoder and records what it found", async () => {
		const { id, key } = await seedVideoAsset(sampleVideo());
		const result = await deliver({ kind: "transcode", assetId: id, sourceKey: key });
		expect(result.explicitAcks).toHaveLength(1);
		expect(result.retryMessages).toHaveLength(0);
		expect(await assetRow(id)).toMatchObject({ status: "processing", width: 180, height: 320, durationMs: 1000 });
	});

	it("is reached through the Worker's own queue() entry", async () => {
		const { id, key } = await seedVideoAsset(sampleVideo());
		const batch = createMessageBatch("transcode-jobs", [
			{ id: "m1", timestamp: new Date(), attempts: 1, body: { kind: "transcode", assetId: id, sourceKey: key } },
		]);
		const ctx = createExecutionContext();
		await worker.queue(batch, env);
		const result = await getQueueResult(batch, ctx);
		expect(result.explicitAcks).toEqual(["m1"]);
	});

	it("marks the asset failed (and acks) when the source is not media at all", async () => {
		const { id, key } = await seedVideoAsset(new TextEncoder().encode("definitely not a video"));
		const result = await deliver({ kind: "transcode", assetId: id, sourceKey: key });
		expect(result.explicitAcks).toHaveLength(1);
		expect(await assetRow(id)).toMatchObject({ status: "failed", error: "unreadable_media" });
	});

	it("marks the asset failed when its source object is missing from R2", async () => {
		const { id, key } = await seedVideoAsset(sampleVideo());
		await env.MEDIA.delete(key);
		const result = await deliver({ kind: "transcode", assetId: id, sourceKey: key });
		expect(result.explicitAcks).toHaveLength(1);
		expect(await assetRow(id)).toMatchObject({ status: "failed", error: "source_missing" });
	});

	it("acks a duplicate delivery for an asset that is already ready, without touching it", async () => {
		const { id, key } = await seedVideoAsset(sampleVideo(), "ready");
		const result = await deliver({ kind: "transcode", assetId: id, sourceKey: key });
		expect(result.explicitAcks).toHaveLength(1);
		expect(await assetRow(id)).toMatchObject({ status: "ready", width: null });
	});

	it("retries with backoff when the transcoder is unreachable, and loses nothing", async () => {
		const { id, key } = await seedVideoAsset(sampleVideo());
		const result = await deliver({ kind: "transcode", assetId: id, sourceKey: key }, { ...env, TRANSCODER_URL: "http://127.0.0.1:9" }, 3);
		expect(result.explicitAcks).toHaveLength(0);
		expect(result.retryMessages).toHaveLength(1);
		// Third attempt: exponential backoff (40 s) outweighs the client's default 30 s hint.
		expect(result.retryOptions).toEqual([{ delaySeconds: 40 }]);
		expect((await assetRow(id))?.status).toBe("processing");
	});

	it("parks a malformed body in the dead-letter queue instead of retrying it forever", async () => {
		const send = vi.spyOn(env.TRANSCODE_DLQ, "send");
		try {
			const result = await deliver({ kind: "transcode", assetId: "not-a-uuid" });
			expect(result.explicitAcks).toHaveLength(1);
			expect(send).toHaveBeenCalledWith(
				expect.objectContaining({ kind: "poison", queue: "transcode-jobs", body: { kind: "transcode", assetId: "not-a-uuid" } }),
			);
		} finally {
			send.mockRestore();
		}
	});

	it("backs off exponentially and caps the delay", () => {
		expect([1, 2, 3, 4].map(backoffSeconds)).toEqual([10, 20, 40, 80]);
		expect(backoffSeconds(20)).toBe(300);
	});
});

describe("transcode-jobs-dlq consumer", () => {
	it("marks the asset of a dead job failed so its owner sees why", async () => {
		const { id, key } = await seedVideoAsset(sampleVideo(), "processing");
		const batch = createMessageBatch("transcode-jobs-dlq", [
			{ id: "d1", timestamp: new Date(), attempts: 1, body: { kind: "transcode", assetId: id, sourceKey: key } },
		]);
		const ctx = createExecutionContext();
		await handleQueue(batch, env);
		expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["d1"]);
		expect(await assetRow(id)).toMatchObject({ status: "failed", error: "transcode_retries_exhausted" });
	});

	it("never downgrades an asset that became ready in the meantime", async () => {
		const { id, key } = await seedVideoAsset(sampleVideo(), "ready");
		const batch = createMessageBatch("transcode-jobs-dlq", [
			{ id: "d2", timestamp: new Date(), attempts: 1, body: { kind: "transcode", assetId: id, sourceKey: key } },
		]);
		await handleQueue(batch, env);
		expect((await assetRow(id))?.status).toBe("ready");
	});
});
