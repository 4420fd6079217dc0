import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { handleQueue } from "../queue";
import { registerUser } from "./api";
import { seedAsset } from "./assets";
import { sampleVideo } from "./media";

/** A video of a new account, transcoded for real by the test transcoder (a one-second clip): ready, with its ladder and manifests. */
export async function transcodedVideo() {
	const owner = await registerUser();
	const { id, key } = await seedAsset({ bytes: sampleVideo(), kind: "video", status: "queued", ownerId: owner.user.id });
	const batch = createMessageBatch("transcode-jobs", [
		{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: { kind: "transcode", assetId: id, sourceKey: key } },
	]);
	await handleQueue(batch, env);
	return { owner, id, key, prefix: key.slice(0, -".mp4".length) };
}
