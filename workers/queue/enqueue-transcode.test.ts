import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { mediaDb } from "../lib/media-db/media-db";
import { assets } from "../lib/media-db/schema";
import { seedVideoAsset } from "../test-support/assets";
import { sampleVideo } from "../test-support/media";
import { transcoderClient } from "../transcoder/transcoder-client";
import { enqueueTranscode } from "./enqueue-transcode";

describe("enqueueTranscode", () => {
	it("sends a job through the local Queue to the consumer, which transcodes the video", async () => {
		const { id, key } = await seedVideoAsset(sampleVideo());
		await enqueueTranscode(env, { assetId: id, sourceKey: key });
		// The local queue delivers after its batch timeout (2 s): poll, bounded.
		let status: string | undefined;
		for (let i = 0; i < 150 && status !== "ready"; i++) {
			await new Promise((r) => setTimeout(r, 100));
			status = (await mediaDb(env).query.assets.findFirst({ where: eq(assets.id, id) }))?.status;
		}
		expect(status).toBe("ready");
		// Let the consumer finish its last step (reclaiming the transcoder's copy) before the file ends.
		let left = await transcoderClient(env, id).job();
		for (let i = 0; i < 100 && left; i++) {
			await new Promise((r) => setTimeout(r, 50));
			left = await transcoderClient(env, id).job();
		}
		expect(left).toBeNull();
	});

	it("refuses a job that is not well-formed before it reaches the queue", async () => {
		await expect(enqueueTranscode(env, { assetId: "nope", sourceKey: "" })).rejects.toThrow();
	});
});
